/**
 * The error middleware renders every error in the shape the contract declares for it: for every operation of
 * openapi.json and every error class of the service, the body is checked against the declared schema by the
 * suites' independent reading of openapi.json (`test/support/openapi.ts`). Upstream-style operations (`default`
 * → `Error`) get `Error` bodies; a declared error schema no shape satisfies stops the boot.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { readConfig } from '../../src/config.js';
import { Contract } from '../../src/contract/contract.js';
import {
  BadRequestError,
  ContentTooLargeError,
  DocumentUnavailableError,
  HeadersTooLargeError,
  InternalError,
  KeysUnavailableError,
  MethodNotAllowedError,
  NotFoundError,
  SpecError,
} from '../../src/errors.js';
import { errorAnswerer, errorRendering } from '../../src/http/errors.js';
import type { RouteState } from '../../src/http/request-state.js';
import { compiledContract } from '../support/contract.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { componentErrors, errorAnswerErrors, operationsOf } from '../support/openapi.js';
import { startTestService } from '../support/service.js';
import { writeSpec } from '../support/spec-copy.js';

/** One instance of every error class a request can be answered with, by name. */
const ERRORS: Readonly<Record<string, () => Error>> = {
  BadRequestError: () => new BadRequestError('The request target is not a path'),
  NotFoundError: () => new NotFoundError('No resource exists at this path'),
  MethodNotAllowedError: () => new MethodNotAllowedError('POST', ['GET', 'HEAD', 'OPTIONS']),
  ContentTooLargeError: () => new ContentTooLargeError('Content too large'),
  HeadersTooLargeError: () => new HeadersTooLargeError('Headers too large'),
  KeysUnavailableError: () => new KeysUnavailableError(),
  DocumentUnavailableError: () => new DocumentUnavailableError(),
  InternalError: () => new InternalError(),
  'a plain Error': () => new Error('internal text that must not reach a client'),
};

/** A path no operation will take. */
const UNKNOWN_PATH = '/.well-known/__no-such-resource__';

/** The upstream-style operation the tests add: a 200 and `default` → `Error`, nothing else. */
const UPSTREAM_PATH = '/.well-known/__upstream-style__';

interface Answer {
  readonly status: number;
  readonly allow: string | null;
  readonly body: unknown;
}

/**
 * The error renderer of `contract` alone, in a layer of its own, in front of a layer that records `x-route` as the matched path (as
 * the router does) and throws the error named by `x-error`.
 */
async function errorServer(
  contract: Contract,
): Promise<{ answer: (error: string, method: string, path: string, route?: string) => Promise<Answer>; server: Server }> {
  const app = new Koa();
  app.silent = true;
  const answerError = errorAnswerer(contract);
  app.use((ctx, next) => next().catch((error: unknown) => answerError(ctx, error)));
  app.use((ctx) => {
    const route = ctx.get('x-route');
    if (route !== '') (ctx.state as RouteState).route = route;
    const make = ERRORS[ctx.get('x-error')];
    throw make === undefined ? new Error(`no error named ${ctx.get('x-error')}`) : make();
  });
  const handle = app.callback();
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    answer: async (error, method, path, route) => {
      const response = await fetch(base + path, {
        method,
        headers: { 'x-error': error, ...(route === undefined ? {} : { 'x-route': route }) },
      });
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('cache-control')).toBe('no-store');
      return { status: response.status, allow: response.headers.get('allow'), body: await response.json() };
    },
  };
}

const servers: Server[] = [];
afterAll(() => servers.forEach((server) => server.close()));

describe('errors of the operations of openapi.json', () => {
  let answer: Awaited<ReturnType<typeof errorServer>>['answer'];
  beforeAll(async () => {
    const started = await errorServer(Contract.load());
    servers.push(started.server);
    answer = started.answer;
  });

  describe.each(operationsOf())('$method $path', ({ path, method }) => {
    it.each(Object.keys(ERRORS))('%s, routed to the operation: the body declared for its status', async (name) => {
      const response = await answer(name, method.toUpperCase(), path, path);
      expect(errorAnswerErrors('routed', path, method, response.status, response.body)).toBeNull();
      expect(JSON.stringify(response.body)).not.toContain('internal text');
    });

    it('a 405 on the path: the body declared for a 405, with Allow', async () => {
      const response = await answer('MethodNotAllowedError', 'POST', path, path);
      expect(response.status).toBe(405);
      expect(response.allow).toBe('GET, HEAD, OPTIONS');
      expect(errorAnswerErrors('method-not-allowed', path, method, 405, response.body)).toBeNull();
    });
  });

  it.each(Object.keys(ERRORS))('%s before routing: an ApiErrorResponse', async (name) => {
    const response = await answer(name, 'GET', UNKNOWN_PATH);
    expect(componentErrors('ApiErrorResponse', response.body)).toBeNull();
    expect(response.body).toMatchObject({ url: UNKNOWN_PATH, type: expect.any(String), code: expect.stringMatching(/^ERR_/) });
  });
});

describe('an operation declaring its errors upstream-style (default -> Error)', () => {
  let answer: Awaited<ReturnType<typeof errorServer>>['answer'];
  let contract: Contract;
  beforeAll(async () => {
    contract = await compiledContract(
      writeSpec((document) => {
        const ok = document.paths['/.well-known/oauth-authorization-server'].get.responses['200'];
        document.paths[UPSTREAM_PATH] = { get: { responses: { 200: ok, default: { $ref: '#/components/responses/DEFAULT_ERROR' } } } };
      }),
    );
    const started = await errorServer(contract);
    servers.push(started.server);
    answer = started.answer;
  });

  it('answers its errors as Error: the HTTP status as code, its reason phrase as status, the message', async () => {
    const response = await answer('DocumentUnavailableError', 'GET', UPSTREAM_PATH, UPSTREAM_PATH);
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ code: 500, status: 'Internal Server Error', message: 'The document is temporarily unavailable' });
    expect(componentErrors('Error', response.body)).toBeNull();
    const client = await answer('BadRequestError', 'GET', UPSTREAM_PATH, UPSTREAM_PATH);
    expect(client.body).toEqual({ code: 400, status: 'Bad Request', message: 'The request target is not a path' });
  });

  it('never sends internal text in an Error either', async () => {
    const response = await answer('a plain Error', 'GET', UPSTREAM_PATH, UPSTREAM_PATH);
    expect(response.body).toEqual({ code: 500, status: 'Internal Server Error', message: 'Internal server error' });
  });

  it('a 405 on its path, which it does not declare, and errors before routing stay ApiErrorResponse', async () => {
    for (const response of [
      await answer('MethodNotAllowedError', 'POST', UPSTREAM_PATH, UPSTREAM_PATH),
      await answer('NotFoundError', 'GET', `${UPSTREAM_PATH}/`),
    ]) {
      expect(componentErrors('ApiErrorResponse', response.body)).toBeNull();
      expect(componentErrors('Error', response.body)).not.toBeNull();
    }
  });

  it('a 405 the path declares as Error is an Error, the allowed methods in its errors', async () => {
    const declared = await compiledContract(
      writeSpec((document) => {
        const ok = document.paths['/.well-known/oauth-authorization-server'].get.responses['200'];
        const error = { $ref: '#/components/responses/DEFAULT_ERROR' };
        document.paths[UPSTREAM_PATH] = { get: { responses: { 200: ok, 405: error, default: error } } };
      }),
    );
    const started = await errorServer(declared);
    servers.push(started.server);
    const response = await started.answer('MethodNotAllowedError', 'DELETE', UPSTREAM_PATH, UPSTREAM_PATH);
    expect(response.allow).toBe('GET, HEAD, OPTIONS');
    expect(response.body).toEqual({
      code: 405,
      status: 'Method Not Allowed',
      message: 'Method POST is not allowed on this path',
      errors: { allow: ['GET', 'HEAD', 'OPTIONS'] },
    });
  });
});

describe('the boot check of declared error schemas', () => {
  const problem = { type: 'object', required: ['problem'], properties: { problem: { type: 'string' } }, additionalProperties: false };

  /** A contract whose upstream-style operation declares `schema` (inline, or `$ref` to a component) as its default. */
  function contractWithDefault(schema: unknown, components: Record<string, unknown> = {}): Promise<Contract> {
    return compiledContract(
      writeSpec((document) => {
        Object.assign(document.components.schemas, components);
        const ok = document.paths['/.well-known/oauth-authorization-server'].get.responses['200'];
        document.paths[UPSTREAM_PATH] = {
          get: { responses: { 200: ok, default: { description: 'Error', content: { 'application/json': { schema } } } } },
        };
      }),
    );
  }

  it('refuses an error schema no shape satisfies, naming the operation, the schema and where shapes live', async () => {
    const contract = await contractWithDefault({ $ref: '#/components/schemas/Problem' }, { Problem: problem });
    expect(() => errorRendering(contract)).toThrow(SpecError);
    expect(() => errorRendering(contract)).toThrow(
      'getWellKnownUpstreamStyle (GET /.well-known/__upstream-style__) for its default response declares components.schemas.Problem, ' +
        'which no error shape of src/http/errors.ts (ApiErrorResponse, Error) satisfies',
    );
  });

  it('names an inline schema by its JSON pointer', async () => {
    const contract = await contractWithDefault(problem);
    expect(() => errorRendering(contract)).toThrow(
      'declares the schema at #/paths/~1.well-known~1__upstream-style__/get/responses/default, which no error shape',
    );
  });

  it('accepts an error schema the service can render: the boot goes on', async () => {
    const contract = await contractWithDefault({ $ref: '#/components/schemas/Error' });
    expect(() => errorRendering(contract)).not.toThrow();
  });

  it('stops the service before it listens', async () => {
    const contract = await contractWithDefault(problem);
    const start = startTestService({ KEYS_DIR: keysDirWith({ 'boot-key': rsaKey() }) }, { contract });
    await expect(start).rejects.toBeInstanceOf(SpecError);
    await expect(start).rejects.toThrow('getWellKnownUpstreamStyle (GET /.well-known/__upstream-style__)');
  });

  it('fails --check the same way, naming the operation', async () => {
    const contract = await contractWithDefault(problem);
    const lines: string[] = [];
    const code = await runCheck(readConfig({ KEYS_DIR: keysDirWith({ 'check-key': rsaKey() }) }), (line) => lines.push(line), { contract });
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^FAIL \S*openapi\.json: getWellKnownUpstreamStyle \(GET \/\.well-known\/__upstream-style__\) for its default/),
    ]);
  });
});
