/**
 * The black-box contract suite: boots the real server on port 0 and checks every response it can provoke
 * (status, content-type, body) against openapi.json itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../src/service.js';
import { raw } from './support/http.js';
import { keysDirWith, rsaKey, tempDir } from './support/keys.js';
import { componentErrors, contractErrors, documents, operationsOf } from './support/openapi.js';
import { startTestService } from './support/service.js';

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

describe.each(operationsOf())('$method $path', ({ path, method }) => {
  it('answers 200 with a body that validates against its schema', async () => {
    const response = await fetch(service.url + path, { method: method.toUpperCase() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
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

  it.each(OTHER_METHODS)('answers %s with 405, an Allow header and an ApiErrorResponse', async (other) => {
    const response = await fetch(service.url + path, { method: other });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(documents(path, method, 405)).toBe(true);
    expect(contractErrors(path, method, 405, await response.json())).toBeNull();
  });

  it('answers a malformed request with 400 and an ApiErrorResponse', async () => {
    const response = await raw(service.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toMatch(/content-type: application\/json/i);
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(contractErrors(path, method, 400, body)).toBeNull();
  });
});

describe('errors', () => {
  it('answers an unknown path with 404 and an ApiErrorResponse carrying an ISO 8601 timestamp', async () => {
    const response = await fetch(`${service.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { timestamp: string; code: string; url: string };
    expect(componentErrors('ApiErrorResponse', body)).toBeNull();
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    expect(body.code).toBe('ERR_NOT_FOUND');
    expect(body.url).toBe('/.well-known/openid-configuration');
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
    expect(documents(path, 'get', 500)).toBe(true);
    const body = (await response.json()) as { message: string };
    expect(componentErrors('ApiErrorResponse', body)).toBeNull();
    expect(body.message).toBe('Failed to load keys');
    const metadata = await fetch(`${keyless.url}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
  });
});
