/**
 * What a request's head says about the message, over raw sockets (node:http and fetch would normalise these
 * requests): Host, an announced body, Expect: 100-continue.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWith, createLimitedServer } from '../../src/http/server.js';
import type { RunningService } from '../../src/service.js';
import { closed, eventually, get, parseResponses, raw, rawSocket, SECURITY_HEADERS, streamBody } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { captureLogger } from '../support/logs.js';
import { startTestService } from '../support/service.js';

const JWKS = '/.well-known/jwks.json';
/** The largest body a request may announce and still get its normal answer: the service's own bound (1 KiB, src/http/framing.ts). */
const BODY_LIMIT_BYTES = 1024;
const capture = captureLogger('info');
let service: RunningService;

beforeAll(async () => {
  service = await startTestService({ KEYS_DIR: keysDirWith({ framing: rsaKey() }) }, { logger: capture.logger });
});
afterAll(() => service?.shutdown());

/** The one response a raw request got. */
async function answer(bytes: string) {
  const responses = parseResponses(await raw(service.url, bytes));
  expect(responses).toHaveLength(1);
  return responses[0] as NonNullable<(typeof responses)[0]>;
}

function expectSecurityHeaders(headers: Readonly<Record<string, string>>): void {
  expect(headers).toMatchObject(SECURITY_HEADERS);
}

describe('Host', () => {
  it.each([
    ['missing on HTTP/1.1', `GET ${JWKS} HTTP/1.1\r\n\r\n`, 'The request has no Host header'],
    ['repeated', `GET ${JWKS} HTTP/1.1\r\nHost: a.example.com\r\nHost: b.example.com\r\n\r\n`, 'The request has more than one Host header'],
    [
      'repeated in another case',
      `GET ${JWKS} HTTP/1.1\r\nHost: a.example.com\r\nhOST: a.example.com\r\n\r\n`,
      'The request has more than one Host header',
    ],
    ['not a host', `GET ${JWKS} HTTP/1.1\r\nHost: a b/c\r\n\r\n`, 'The Host header is not a valid host'],
  ])('%s: 400 with an ApiErrorResponse and the security headers', async (_case, request, message) => {
    const response = await answer(request);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    expectSecurityHeaders(response.headers);
    expect(JSON.parse(response.body)).toMatchObject({ message, type: 'bad_request', code: 'ERR_BAD_REQUEST', url: JWKS });
  });

  it.each([
    ['a name and port', 'Host: auth.example.com:443\r\n'],
    ['an IPv6 literal', 'Host: [::1]:3000\r\n'],
    ['an empty value (RFC 9112 §3.2)', 'Host:\r\n'],
  ])('accepts %s', async (_case, host) => {
    const response = await answer(`GET ${JWKS} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
    expect(response.status).toBe(200);
  });

  it('is optional on HTTP/1.0, which predates it', async () => {
    expect((await answer(`GET ${JWKS} HTTP/1.0\r\n\r\n`)).status).toBe(200);
  });

  it('refusals are logged as requests and counted under route (malformed)', async () => {
    await answer(`GET ${JWKS} HTTP/1.1\r\nX-Request-Id: no-host-1\r\n\r\n`);
    expect(await eventually(() => capture.records().some((line) => line.requestId === 'no-host-1'))).toBe(true);
    expect(capture.records().filter((line) => line.requestId === 'no-host-1')).toEqual([
      expect.objectContaining({ msg: 'request', status: 400, method: 'GET' }),
    ]);
    const metrics = await get(`${service.adminUrl}/metrics`);
    expect(metrics.body).toMatch(/http_requests_total\{route="\(malformed\)",method="GET",status="400"\} [1-9]/);
  });
});

describe('a request that announces a body', () => {
  it(`gets its normal answer up to ${BODY_LIMIT_BYTES} bytes, unread, and the connection closes`, async () => {
    const socket = rawSocket(service.url);
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    // The body is never sent: an answer proves the server did not wait for it.
    socket.write(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY_LIMIT_BYTES}\r\n\r\n{`);
    expect(await closed(socket)).toBe(true);
    const [response] = parseResponses(data);
    expect(response?.status).toBe(200);
    expect(response?.headers.connection).toBe('close');
    expect(JSON.parse(response?.body ?? '').keys).toHaveLength(1);
  });

  it.each([
    ['a Content-Length over the bound', `Content-Length: ${BODY_LIMIT_BYTES + 1}\r\n`],
    ['Transfer-Encoding: chunked (length unknown)', 'Transfer-Encoding: chunked\r\n'],
  ])('with %s gets 413 with an ApiErrorResponse and Connection: close', async (_case, header) => {
    const response = await answer(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\n${header}\r\n`);
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expectSecurityHeaders(response.headers);
    expect(JSON.parse(response.body)).toMatchObject({
      type: 'content_too_large',
      code: 'ERR_CONTENT_TOO_LARGE',
      detail: { limitBytes: BODY_LIMIT_BYTES },
    });
  });

  it('with Content-Length: 0 announces none and keeps the connection alive', async () => {
    const socket = rawSocket(service.url);
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.write(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
    expect(await eventually(() => data.includes('"keys"'))).toBe(true);
    socket.write(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(await closed(socket)).toBe(true);
    expect(parseResponses(data).map((response) => response.status)).toEqual([200, 200]);
  });

  it('streamed without end gets its answer and a closed connection, having written little of it', async () => {
    const limit = 1024 * 1024 * 1024;
    const streamed = await streamBody(service.url, `POST ${JWKS} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n`, limit);
    expect(streamed.closedByServer).toBe(true);
    expect(parseResponses(streamed.answer).map((response) => response.status)).toEqual([413]);
    // What the kernels' buffers absorbed, not the gigabyte offered.
    expect(streamed.written).toBeLessThan(64 * 1024 * 1024);
  });

  it('with Expect: 100-continue never gets 100 Continue', async () => {
    const response = await raw(service.url, `GET ${JWKS} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n`);
    expect(response).not.toMatch(/^HTTP\/1\.1 100/);
    const [only, ...more] = parseResponses(response);
    expect(more).toEqual([]);
    expect(only?.status).toBe(200);
    expect(only?.headers.connection).toBe('close');
  });

  it('with another expectation is answered as usual (RFC 9110 §10.1.1)', async () => {
    const response = await answer(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nConnection: close\r\n\r\n`);
    expect(response.status).toBe(200);
  });
});

describe('the bound on what the server reads', () => {
  it('is what arrived with the head: the connection closes once the answer is written', async () => {
    const sockets: Socket[] = [];
    // An answer written a microtask after the request, as Koa writes one.
    const server = createLimitedServer();
    answerWith(server, (_req, res) => queueMicrotask(() => res.end('{}')));
    server.on('connection', (socket: Socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    try {
      const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n`;
      const streamed = await streamBody(url, head, 1024 * 1024 * 1024);
      expect(streamed.closedByServer).toBe(true);
      expect(parseResponses(streamed.answer).map((response) => response.status)).toEqual([200]);
      expect(await eventually(() => sockets.every((socket) => socket.destroyed))).toBe(true);
      // Node reads a socket at most 64 KiB at a time; the head came in the first read.
      expect(sockets.map((socket) => socket.bytesRead <= head.length + 64 * 1024)).toEqual([true]);
    } finally {
      server.closeAll();
      server.close();
    }
  });
});
