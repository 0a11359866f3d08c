/**
 * Operations of any shape (`scripts/contract/shapes.ts`): what the compiler records of an operation (its kind,
 * its media types, its request body), and what it still refuses, one line naming the JSON pointer. Each case edits
 * a copy of openapi.json, adding operations at paths no real operation will take.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileContract } from '../../../scripts/contract/compile.js';
import type { CompiledOperation } from '../../../src/contract/contract.js';
import { SpecError } from '../../../src/errors.js';
import { tempDir } from '../../support/keys.js';
import { specCopy } from '../../support/spec-copy.js';

const PATH = '/.well-known/__shape__';
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const OK = { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } };

/** Compiles openapi.json with `item` at {@link PATH}; resolves with the operations below it, or the refusal. */
async function compileWith(
  item: Record<string, unknown>,
  edit?: (doc: Record<string, any>) => void,
): Promise<CompiledOperation[] | string> {
  const document = specCopy() as unknown as Record<string, any>;
  document.paths[PATH] = item;
  edit?.(document);
  const dir = tempDir('wk-shapes-');
  dirs.push(dir);
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  try {
    return (await compileContract(file)).operations.filter((operation) => operation.path.startsWith(PATH));
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    return error.message;
  }
}

describe('operations of any shape compile', () => {
  it('records the kind of today’s operations: every one of them is a document', async () => {
    const { operations } = await compileContract();
    expect(new Set(operations.map((operation) => operation.kind))).toEqual(new Set(['document']));
  });

  it('a GET with no parameters and a +json 200 is a document, recorded with its media type', async () => {
    const operations = await compileWith({
      get: { responses: { '200': { description: 'OK', content: { 'application/jwk-set+json': { schema: { type: 'object' } } } } } },
    });
    expect(operations).toMatchObject([{ kind: 'document', mediaTypes: { '200': 'application/jwk-set+json' }, requestBody: null }]);
  });

  it.each([
    [
      'query, path and header parameters',
      { get: { parameters: [{ name: 'q', in: 'query', schema: { type: 'string' } }], responses: { '200': OK } } },
    ],
    ['a success status other than 200', { get: { responses: { '203': OK } } }],
    ['a 200 with no body', { get: { responses: { '200': { description: 'OK' } } } }],
    ['a POST declared without a body (never a cacheable document)', { post: { responses: { '200': OK } } }],
  ])('a GET or POST with %s is an operation', async (_name, item) => {
    const operations = await compileWith(item);
    expect(operations).toMatchObject([{ kind: 'operation' }]);
  });

  it('a templated path with its path parameter, a header parameter and a 204 compile', async () => {
    const operations = await compileWith({}, (doc) => {
      doc.paths[`${PATH}/{id}`] = {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        delete: {
          parameters: [{ name: 'X-Reason', in: 'header', schema: { type: 'string' } }],
          responses: { '204': { description: 'gone' } },
        },
      };
    });
    expect(operations).toMatchObject([{ path: `${PATH}/{id}`, method: 'delete', kind: 'operation', responses: { '204': null } }]);
  });

  it('a POST with a +json body answering 201 records the body’s media type and whether it is required', async () => {
    const operations = await compileWith({
      post: {
        requestBody: { required: true, content: { 'application/merge-patch+json': { schema: { type: 'object' } } } },
        responses: { '201': { description: 'Created', content: { 'application/problem+json': { schema: { type: 'object' } } } } },
      },
    });
    expect(operations).toMatchObject([
      {
        kind: 'operation',
        requestBody: { mediaType: 'application/merge-patch+json', required: true },
        mediaTypes: { '201': 'application/problem+json' },
      },
    ]);
  });
});

describe('what the server cannot honour is refused, one line naming its JSON pointer', () => {
  const pointer = `openapi.json#/paths/~1.well-known~1__shape__`;
  it.each([
    [
      'a response that is not JSON',
      { get: { responses: { '200': { description: 'OK', content: { 'text/html': { schema: { type: 'string' } } } } } } },
      `${pointer}/get/responses/200/content/text~1html: text/html is not a JSON media type`,
    ],
    [
      'a response in two media types',
      {
        get: {
          responses: { '200': { description: 'OK', content: { 'application/json': {}, 'application/jrd+json': {} } } },
        },
      },
      `${pointer}/get/responses/200/content: declares 2 media types`,
    ],
    [
      'a request body that is not JSON',
      {
        post: {
          requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } },
          responses: { '200': OK },
        },
      },
      `${pointer}/post/requestBody/content/application~1x-www-form-urlencoded: application/x-www-form-urlencoded is not a JSON media type`,
    ],
    [
      'a cookie parameter',
      { get: { parameters: [{ name: 's', in: 'cookie', schema: { type: 'string' } }], responses: { '200': OK } } },
      `${pointer}/get: cookie parameter "s": cookie parameters are not supported`,
    ],
    [
      'a parameter declared with content',
      { get: { parameters: [{ name: 'f', in: 'query', content: { 'application/json': { schema: {} } } }], responses: { '200': OK } } },
      `${pointer}/get: query parameter "f": declares content`,
    ],
    [
      'a header parameter that is not a string',
      { get: { parameters: [{ name: 'X-N', in: 'header', schema: { type: 'integer' } }], responses: { '200': OK } } },
      `${pointer}/get: header parameter "X-N": a header parameter must have type: string`,
    ],
    [
      'a path parameter style openapi-backend does not parse',
      {},
      `openapi.json#/paths/~1.well-known~1__shape__~1{id}/get: path parameter "id": style matrix is not supported here`,
    ],
    ['an OPTIONS operation', { options: { responses: { '200': OK } } }, `${pointer}/options: the server answers OPTIONS itself`],
    ['no explicit success status', { get: { responses: { '2XX': OK } } }, `${pointer}/get/responses: declares no success status`],
  ])('%s', async (name, item, line) => {
    const refusal = await compileWith(item, (doc) => {
      if (name.startsWith('a path parameter')) {
        doc.paths[`${PATH}/{id}`] = {
          get: {
            parameters: [{ name: 'id', in: 'path', required: true, style: 'matrix', schema: { type: 'string' } }],
            responses: { '200': OK },
          },
        };
      }
    });
    expect(typeof refusal).toBe('string');
    expect((refusal as string).split('\n')).toEqual([expect.stringContaining(line)]);
  });

  it('a path template naming no declared path parameter', async () => {
    const refusal = await compileWith({}, (doc) => (doc.paths[`${PATH}/{id}`] = { get: { responses: { '200': OK } } }));
    expect(refusal).toBe(
      'openapi.json#/paths/~1.well-known~1__shape__~1{id}/get: the path template names {id}, which is not a declared path parameter of letters, digits, _ or -',
    );
  });
});
