import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { get, SECURITY_HEADERS } from '../support/http.js';
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
    expect(response.headers).toMatchObject(SECURITY_HEADERS);
  });

  // The 400 and 431 the server writes itself for malformed HTTP: test/http/client-error.test.ts.
});
