/**
 * The black-box contract suite: boots the real server on port 0 and checks every response it can provoke
 * (status, content-type, body) against openapi.json itself, for every operation the document defines, so that an
 * operation added to it is covered with no change here. Error bodies are checked by the rule of
 * `errorAnswerErrors`: the operation's declared response for a routed error, an `ApiErrorResponse` before routing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../src/service.js';
import { closed, parseResponses, raw, rawSocket, streamBody, type ParsedResponse } from './support/http.js';
import { keysDirWith, rsaKey, tempDir } from './support/keys.js';
import { componentErrors, contractErrors, errorAnswerErrors, operationsOf, successMediaType, type ErrorAnswer } from './support/openapi.js';
import { startTestService } from './support/service.js';

/** The largest body a request may announce and still get its normal answer: the service's own bound (1 KiB, src/http/framing.ts). */
const BODY_LIMIT_BYTES = 1024;
/** The largest request head the service accepts: its own bound of 16 KiB (src/http/server.ts). */
const MAX_HEADER_SIZE = 16 * 1024;

let service: RunningService;
let keyless: RunningService;

beforeAll(async () => {
  service = await startTestService({ KEYS_DIR: keysDirWith({ 'contract-key': rsaKey() }) });
  keyless = await startTestService({ KEYS_DIR: tempDir() });
});
afterAll(async () => {
  await service?.shutdown();
  await keyless?.shutdown();
});

const OTHER_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** A path no operation will take, now or once openapi.json grows: no well-known URI is spelled like this. */
const UNKNOWN_PATH = '/.well-known/__no-such-resource__';

describe.each(operationsOf())('$method $path', ({ path, method }) => {
  it('answers 200 with a body that validates against its schema', async () => {
    const response = await fetch(service.url + path, { method: method.toUpperCase() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(successMediaType(path, method));
    expect(contractErrors(path, method, 200, await response.json())).toBeNull();
  });

  it('ignores unknown query parameters such as cache-busters', async () => {
    const response = await fetch(`${service.url}${path}?v=1&_=${Date.now()}`);
    expect(response.status).toBe(200);
    expect(contractErrors(path, method, 200, await response.json())).toBeNull();
  });

  it('answers HEAD like GET, without a body', async () => {
    const [get, head] = await Promise.all([fetch(service.url + path), fetch(service.url + path, { method: 'HEAD' })]);
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
  });

  it.each(OTHER_METHODS)('answers %s with 405, an Allow header and the body declared for a 405', async (other) => {
    const response = await fetch(service.url + path, { method: other });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(errorAnswerErrors('method-not-allowed', path, method, 405, await response.json())).toBeNull();
  });

  it('answers a malformed request with 400 and an ApiErrorResponse', async () => {
    const response = await raw(service.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toMatch(/content-type: application\/json/i);
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(errorAnswerErrors('unrouted', path, method, 400, body)).toBeNull();
  });
});

describe('errors', () => {
  it('answers an unknown path with 404 and an ApiErrorResponse carrying an ISO 8601 timestamp', async () => {
    const response = await fetch(`${service.url}${UNKNOWN_PATH}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { timestamp: string; code: string; url: string };
    expect(componentErrors('ApiErrorResponse', body)).toBeNull();
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    expect(body.code).toBe('ERR_NOT_FOUND');
    expect(body.url).toBe(UNKNOWN_PATH);
  });

  it('answers 404 for the root and for Koa-unknown methods alike, never with a text body', async () => {
    for (const [method, target] of [
      ['GET', '/'],
      ['GET', '/.well-known/jwks.json/extra'],
      ['BREW', '/'],
    ] as const) {
      const response = await raw(service.url, `${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const [head = '', body = ''] = response.split('\r\n\r\n');
      expect(head).toMatch(/content-type: application\/json/i);
      expect(componentErrors('ApiErrorResponse', JSON.parse(body))).toBeNull();
    }
  });

  it('answers the JWKS with 500 "Failed to load keys" when no valid key is published', async () => {
    const path = '/.well-known/jwks.json';
    const response = await fetch(keyless.url + path);
    expect(response.status).toBe(500);
    const body = (await response.json()) as { message: string };
    // Its 500 declares an ApiErrorResponse.
    expect(errorAnswerErrors('routed', path, 'get', 500, body)).toBeNull();
    expect(componentErrors('ApiErrorResponse', body)).toBeNull();
    expect(body.message).toBe('Failed to load keys');
    const metadata = await fetch(`${keyless.url}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
  });
});

/**
 * Schema problems of an answer refused before routing (a path of the contract with a trailing slash, a request
 * Node's parser refuses): whatever the operations declare, no operation answered it. A request refused for its
 * framing (`routed`) names its operation, and is answered as that operation declares.
 */
function errorProblems(path: string, method: string, response: ParsedResponse, kind: ErrorAnswer = 'unrouted'): unknown[] | null {
  expect(response.headers['content-type']).toBe('application/json');
  return errorAnswerErrors(kind, path, method, response.status, JSON.parse(response.body));
}

/** The one answer to raw request bytes. */
async function only(bytes: string): Promise<ParsedResponse> {
  const responses = parseResponses(await raw(service.url, bytes));
  expect(responses).toHaveLength(1);
  return responses[0] as ParsedResponse;
}

describe.each(operationsOf())('hostile requests to $method $path', ({ path, method }) => {
  const verb = method.toUpperCase();

  it('a trailing slash is not the path: 404 with an ApiErrorResponse', async () => {
    const response = await only(`${verb} ${path}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(response.status).toBe(404);
    expect(errorProblems(path, method, response)).toBeNull();
  });

  it.each([
    ['no Host on HTTP/1.1', ''],
    ['two Host headers', 'Host: a.example.com\r\nHost: b.example.com\r\n'],
  ])('%s: 400 in the shape its operation declares', async (_case, host) => {
    const response = await only(`${verb} ${path} HTTP/1.1\r\n${host}\r\n`);
    expect(response.status).toBe(400);
    expect(errorProblems(path, method, response, 'routed')).toBeNull();
  });

  it(`a body of at most ${BODY_LIMIT_BYTES} bytes is not read: the normal answer, Connection: close`, async () => {
    const response = await only(`${verb} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`);
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe('close');
    expect(contractErrors(path, method, 200, JSON.parse(response.body))).toBeNull();
  });

  it('a longer body: 413 in the shape its operation declares, Connection: close', async () => {
    const response = await only(`${verb} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY_LIMIT_BYTES + 1}\r\n\r\n`);
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(errorProblems(path, method, response, 'routed')).toBeNull();
  });

  it('a body streamed without end (Content-Length: 10^12): the 413 and a closed connection, the stream cut off', async () => {
    const streamed = await streamBody(
      service.url,
      `${verb} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n`,
      1024 ** 3,
    );
    expect(streamed.closedByServer).toBe(true);
    expect(streamed.written).toBeLessThan(64 * 1024 * 1024);
    const [response, ...more] = parseResponses(streamed.answer);
    expect(more).toEqual([]);
    expect(response?.status).toBe(413);
  });

  it('Expect: 100-continue gets no 100 Continue, only the answer', async () => {
    const response = await only(`${verb} ${path} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n`);
    expect(response.status).toBe(200);
    expect(contractErrors(path, method, 200, JSON.parse(response.body))).toBeNull();
  });

  it('requests pipelined before a malformed one are answered, in order, before its 400', async () => {
    const request = `${verb} ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const responses = parseResponses(
      await raw(service.url, `${request}${request}${verb} ${path} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 400]);
    for (const response of responses.slice(0, 2)) expect(contractErrors(path, method, 200, JSON.parse(response.body))).toBeNull();
    expect(errorProblems(path, method, responses[2] as ParsedResponse)).toBeNull();
  });

  it('a head over the size limit: 431 with an ApiErrorResponse', async () => {
    const response = await only(`${verb} ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(MAX_HEADER_SIZE)}\r\n\r\n`);
    expect(response.status).toBe(431);
    expect(errorProblems(path, method, response)).toBeNull();
  });
});

describe('hostile connections', () => {
  it('a head that never completes is closed soon after the header timeout, not up to 30 s later', async () => {
    const limited = await startTestService(
      { KEYS_DIR: keysDirWith({ 'slow-key': rsaKey() }) },
      { serverLimits: { headersTimeoutMs: 500, connectionsCheckingIntervalMs: 100 } },
    );
    try {
      const socket = rawSocket(limited.url);
      socket.write('GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n');
      // A ceiling for a hung test: with Node's default 30 s check it would not close within it.
      expect(await closed(socket, 15_000)).toBe(true);
    } finally {
      await limited.shutdown();
    }
  });

  it('at MAX_CONNECTIONS an idle keep-alive connection makes room for a new one, which is served', async () => {
    const capped = await startTestService({ KEYS_DIR: keysDirWith({ 'cap-key': rsaKey() }), MAX_CONNECTIONS: '1' });
    try {
      const request = 'GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n';
      const idle = rawSocket(capped.url);
      idle.on('error', () => undefined);
      let first = '';
      idle.on('data', (chunk) => (first += chunk.toString()));
      idle.write(request);
      await new Promise((resolve) => idle.once('data', resolve));
      const answers = await raw(capped.url, request.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
      expect(await closed(idle)).toBe(true);
      const responses = [...parseResponses(first), ...parseResponses(answers)];
      expect(responses.map((response) => response.status)).toEqual([200, 200]);
      for (const response of responses) expect(contractErrors('/.well-known/jwks.json', 'get', 200, JSON.parse(response.body))).toBeNull();
    } finally {
      await capped.shutdown();
    }
  });
});
