/**
 * openapi.json declares every answer the server gives: for every document of openapi.json (a GET with no
 * parameters and no request body; the only kind it has), each answer the server can give to a request for it is
 * declared by the operation, for its status exactly, by its class (`4XX`) or by `default`, and the answer has the
 * declared media type and a body that validates against the declared schema (none where none is declared). A
 * `304` is answered only where the operation declares one.
 *
 * The answers are provoked on the real server, each as a client would provoke it; what counts as declared is read
 * from openapi.json itself, with Ajv 2020, independently of the server.
 */
import { rmSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { parseResponses, raw } from '../support/http.js';
import { keysDirWith, rsaKey, tempDir } from '../support/keys.js';
import { openapi } from '../support/openapi.js';
import { startTestService } from '../support/service.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
type Json = Record<string, any>;

/** The largest body a request for a document may announce and still get its normal answer: 1 KiB (src/http/framing.ts). */
const BODY_LIMIT_BYTES = 1024;
/** The largest request head the server reads: 16 KiB (src/http/server.ts). */
const MAX_HEADER_SIZE = 16 * 1024;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(openapi, 'openapi.json');

const escape = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** The response (path, method) declares for `status`: the status, else its class, else `default` (OpenAPI 3.1 §4.8.16). */
function declaredFor(path: string, method: string, status: number): { key: string; pointer: string; response: Json } | undefined {
  const responses: Json = openapi.paths[path]?.[method]?.responses ?? {};
  const key = [String(status), `${String(status).charAt(0)}XX`, 'default'].find((candidate) => candidate in responses);
  if (key === undefined) return undefined;
  let pointer = `#/paths/${escape(path)}/${method}/responses/${key}`;
  let response: Json = responses[key];
  if (typeof response.$ref === 'string') {
    pointer = response.$ref;
    response = (openapi.components.responses as Json)[response.$ref.split('/').pop() ?? ''];
  }
  return { key, pointer, response };
}

/** An answer as the client got it. */
interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** Why `answer` to (path, method) is not one openapi.json declares; empty when it is. */
function undeclared(path: string, method: string, answer: Answer): unknown[] {
  const declared = declaredFor(path, method, answer.status);
  if (declared === undefined) return [`${method.toUpperCase()} ${path} declares no response for ${answer.status}`];
  const content: Json | undefined = declared.response.content;
  if (content === undefined) return answer.body === '' ? [] : [`${declared.key} declares no body, the answer has one`];
  const [mediaType] = Object.keys(content);
  if (answer.contentType !== mediaType) return [`${declared.key} declares ${mediaType}, the answer is ${answer.contentType}`];
  const validate = ajv.compile({ $ref: `openapi.json${declared.pointer}/content/${escape(mediaType ?? '')}/schema` });
  return validate(JSON.parse(answer.body)) ? [] : (validate.errors ?? []);
}

/** The documents of openapi.json: GETs with no parameters and no request body. */
const documents = Object.entries(openapi.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(
      ([method, operation]) =>
        method === 'get' && (operation as Json).parameters === undefined && (operation as Json).requestBody === undefined,
    )
    .map(([method]) => ({ path, method })),
);

let service: RunningService;
let keyless: RunningService;
const dirs: string[] = [];

beforeAll(async () => {
  const keysDir = keysDirWith({ declared: rsaKey() });
  const empty = tempDir();
  dirs.push(keysDir, empty);
  service = await startTestService({ KEYS_DIR: keysDir });
  keyless = await startTestService({ KEYS_DIR: empty });
});
afterAll(async () => {
  await service?.shutdown();
  await keyless?.shutdown();
  dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

/** The one answer to raw request bytes. */
async function rawAnswer(url: string, bytes: string): Promise<Answer> {
  const [response] = parseResponses(await raw(url, bytes));
  return { status: response?.status ?? 0, contentType: response?.headers['content-type'], body: response?.body ?? '' };
}

/** An answer through fetch. */
async function fetched(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  return { status: response.status, contentType: response.headers.get('content-type') ?? undefined, body: await response.text() };
}

describe.each(documents)('every answer to $method $path is declared by it', ({ path, method }) => {
  const verb = method.toUpperCase();

  it('200', async () => {
    const answer = await fetched(service.url + path);
    expect(answer.status).toBe(200);
    expect(undeclared(path, method, answer)).toEqual([]);
  });

  it('the conditional GET: 304 where declared, else 200', async () => {
    const etag = (await fetch(service.url + path)).headers.get('etag') ?? '';
    const answer = await fetched(service.url + path, { headers: { 'if-none-match': etag } });
    expect(answer.status).toBe(declaredFor(path, method, 304)?.key === '304' ? 304 : 200);
    expect(undeclared(path, method, answer)).toEqual([]);
  });

  it.each([
    ['400, a request without Host', `${verb} ${path} HTTP/1.1\r\n\r\n`, 400],
    ['413, a body announced over the bound', `${verb} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY_LIMIT_BYTES + 1}\r\n\r\n`, 413],
    ['431, a head over the bound', `${verb} ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(MAX_HEADER_SIZE)}\r\n\r\n`, 431],
  ])('%s', async (_name, bytes, status) => {
    const answer = await rawAnswer(service.url, bytes);
    expect(answer.status).toBe(status);
    expect(undeclared(path, method, answer)).toEqual([]);
  });

  it('405, another method on its path', async () => {
    const answer = await fetched(service.url + path, { method: 'DELETE' });
    expect(answer.status).toBe(405);
    expect(undeclared(path, method, answer)).toEqual([]);
  });

  it('500, when it has nothing valid to serve', async () => {
    // Only the key set can lose its data while the service runs; every document declares its 500 all the same.
    const answer = await fetched(keyless.url + path);
    if (answer.status === 200) expect(declaredFor(path, method, 500)?.response.content).toBeDefined();
    else {
      expect(answer.status).toBe(500);
      expect(undeclared(path, method, answer)).toEqual([]);
    }
  });
});
