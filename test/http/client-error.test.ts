/**
 * Requests Node's parser refuses, over raw sockets: the JSON answer, its order after pipelined requests, the log
 * line and the metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { eventually, get, parseResponses, raw, SECURITY_HEADERS } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { captureLogger } from '../support/logs.js';
import { startTestService } from '../support/service.js';

const JWKS = '/.well-known/jwks.json';
const METADATA = '/.well-known/oauth-authorization-server';
/** A header line without a colon: the parser refuses the request. */
const MALFORMED = 'GET / HTTP/1.1\r\nHost: x\r\nBad Header zz-marker-zz\r\n\r\n';
/** A head over the size limit: the service's own bound of 16 KiB (src/http/server.ts). */
const OVERSIZED = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n\r\n`;

const capture = captureLogger('info');
let service: RunningService;

beforeAll(async () => {
  service = await startTestService({ KEYS_DIR: keysDirWith({ malformed: rsaKey() }) }, { logger: capture.logger });
});
afterAll(() => service?.shutdown());

describe('a malformed request', () => {
  it.each([
    ['not HTTP', MALFORMED, 400, { type: 'bad_request', code: 'ERR_BAD_REQUEST', message: 'The request is not valid HTTP' }],
    ['a head over the size limit', OVERSIZED, 431, { type: 'headers_too_large', code: 'ERR_HEADERS_TOO_LARGE' }],
  ])('%s: a JSON %i with the security headers and a request id, and the connection closes', async (_case, request, status, body) => {
    const [response, ...more] = parseResponses(await raw(service.url, request));
    expect(more).toEqual([]);
    expect(response?.status).toBe(status);
    expect(response?.headers.connection).toBe('close');
    expect(response?.headers['content-type']).toBe('application/json');
    expect(response?.headers).toMatchObject(SECURITY_HEADERS);
    expect(response?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(response?.body ?? '')).toMatchObject(body);
  });

  it('is logged in one line, without its bytes, and counted under route (malformed)', async () => {
    const [response] = parseResponses(await raw(service.url, MALFORMED));
    const requestId = response?.headers['x-request-id'];
    await raw(service.url, OVERSIZED);
    expect(await eventually(() => capture.records().some((line) => line.requestId === requestId))).toBe(true);
    expect(capture.records().filter((line) => line.requestId === requestId)).toEqual([
      expect.objectContaining({ msg: 'malformed request', status: 400, code: 'ERR_BAD_REQUEST', parserCode: 'HPE_INVALID_HEADER_TOKEN' }),
    ]);
    expect(
      capture.records().some((line) => line.msg === 'malformed request' && line.status === 431 && line.code === 'ERR_HEADERS_TOO_LARGE'),
    ).toBe(true);
    expect(capture.lines.join('\n')).not.toContain('zz-marker-zz');
    const metrics = (await get(`${service.adminUrl}/metrics`)).body;
    expect(metrics).toMatch(/http_requests_total\{route="\(malformed\)",method="\(unknown\)",status="400"\} [1-9]/);
    expect(metrics).toMatch(/http_requests_total\{route="\(malformed\)",method="\(unknown\)",status="431"\} [1-9]/);
  });
});

describe('pipelined requests before a malformed one', () => {
  it('are all answered, in order, before the 400', async () => {
    const valid = [JWKS, METADATA, '/nowhere', JWKS].map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
    // One write: the malformed request arrives in the same packet as the others.
    const responses = parseResponses(await raw(service.url, valid + MALFORMED));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 404, 200, 400]);
    expect(JSON.parse(responses[0]?.body ?? '').keys).toHaveLength(1);
    expect(JSON.parse(responses[1]?.body ?? '').issuer).toBeTypeOf('string');
    expect(responses[4]?.headers.connection).toBe('close');
  });

  it('after an answer that closes the connection are neither processed nor logged (RFC 9112 §9.6)', async () => {
    // The server decides to close (a refused Host); a client's own Connection: close the parser enforces itself.
    const closing = `GET ${JWKS} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`;
    const after = `GET ${JWKS} HTTP/1.1\r\nHost: x\r\nX-Request-Id: after-close-1\r\n\r\n`;
    const responses = parseResponses(await raw(service.url, closing + after + after));
    expect(responses.map((response) => response.status)).toEqual([400]);
    expect(responses[0]?.headers.connection).toBe('close');
    await get(`${service.url}${JWKS}`, { 'X-Request-Id': 'after-close-2' });
    expect(await eventually(() => capture.records().some((line) => line.requestId === 'after-close-2'))).toBe(true);
    expect(capture.records().filter((line) => line.requestId === 'after-close-1')).toEqual([]);
  });

  it('end with the first answer that closes the connection: nothing is sent after it', async () => {
    const withBody = `GET ${JWKS} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n12345`;
    const responses = parseResponses(await raw(service.url, `GET ${JWKS} HTTP/1.1\r\nHost: x\r\n\r\n${withBody}${MALFORMED}`));
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(responses[1]?.headers.connection).toBe('close');
  });
});
