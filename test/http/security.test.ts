import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../src/http/security-headers.js';
import { SERVER_LIMITS, createLimitedServer } from '../../src/http/server.js';
import type { RunningService } from '../../src/service.js';
import { get, raw } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { startTestService } from '../support/service.js';

let service: RunningService;
beforeAll(async () => {
  service = await startTestService({ KEYS_DIR: keysDirWith({ sec: rsaKey() }) });
});
afterAll(() => service?.shutdown());

describe('security headers', () => {
  it.each([
    ['GET', '/.well-known/jwks.json', 200],
    ['GET', '/.well-known/oauth-authorization-server', 200],
    ['GET', '/nowhere', 404],
    ['DELETE', '/.well-known/jwks.json', 405],
    ['OPTIONS', '/.well-known/jwks.json', 204],
  ])('are on %s %s (%i)', async (method, path, status) => {
    const response = await get(service.url + path, {}, method);
    expect(response.status).toBe(status);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers[name.toLowerCase()]).toBe(value);
  });

  it('are on the 400 for malformed HTTP', async () => {
    const response = await raw(service.url, 'GET /.well-known/jwks.json HTTP/1.1\r\nHost x\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toMatch(/X-Content-Type-Options: nosniff/);
  });

  it('answers oversized headers with 431 and a JSON body', async () => {
    const response = await raw(service.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(SERVER_LIMITS.maxHeaderSize)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(response).toMatch(/"type":"bad_request"/);
  });
});

describe('server limits', () => {
  it('bounds header time, request time, keep-alive and header size', () => {
    const server = createLimitedServer(() => undefined);
    expect(server.headersTimeout).toBe(SERVER_LIMITS.headersTimeoutMs);
    expect(server.requestTimeout).toBe(SERVER_LIMITS.requestTimeoutMs);
    expect(server.keepAliveTimeout).toBe(SERVER_LIMITS.keepAliveTimeoutMs);
    expect(SERVER_LIMITS.keepAliveTimeoutMs).toBeGreaterThan(60_000);
    expect(SERVER_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(SERVER_LIMITS.requestTimeoutMs);
  });

  it('answers a GET without reading the body it announces', async () => {
    // The body never arrives; an answer proves the server did not wait for it.
    const response = await raw(
      service.url,
      'GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n{',
    );
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
  });
});
