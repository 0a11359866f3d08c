import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { get } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { startTestService } from '../support/service.js';

const PATHS = ['/.well-known/jwks.json', '/.well-known/oauth-authorization-server'];
const PREFLIGHT = {
  Origin: 'https://app.example.com',
  'Access-Control-Request-Method': 'GET',
  'Access-Control-Request-Headers': 'mcp-protocol-version',
};
let open: RunningService;
let narrowed: RunningService;

beforeAll(async () => {
  const keysDir = keysDirWith({ cors: rsaKey() });
  [open, narrowed] = await Promise.all([
    startTestService({ KEYS_DIR: keysDir }),
    startTestService({ KEYS_DIR: keysDir, CORS_ORIGINS: 'https://app.example.com, https://other.example.com' }),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.shutdown(), narrowed?.shutdown()]);
});

describe.each(PATHS)('CORS on %s', (path) => {
  it('allows any origin by default, without credentials', async () => {
    const response = await get(open.url + path, { Origin: 'https://anywhere.example' });
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers a browser preflight with mcp-protocol-version with 204', async () => {
    const response = await get(open.url + path, PREFLIGHT, 'OPTIONS');
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
    expect(response.headers['access-control-allow-headers']).toBe('mcp-protocol-version');
    expect(Number(response.headers['access-control-max-age'])).toBeGreaterThan(0);
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers a plain OPTIONS with 204 and Allow, never 405', async () => {
    const response = await get(open.url + path, {}, 'OPTIONS');
    expect(response.status).toBe(204);
    expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('echoes a listed origin with Vary: Origin when CORS_ORIGINS narrows', async () => {
    const response = await get(narrowed.url + path, { Origin: 'https://other.example.com' });
    expect(response.headers['access-control-allow-origin']).toBe('https://other.example.com');
    expect(response.headers.vary).toMatch(/Origin/);
  });

  it('sends no allow-origin to an unlisted origin, on the document and the preflight', async () => {
    const response = await get(narrowed.url + path, { Origin: 'https://evil.example' });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await get(narrowed.url + path, { ...PREFLIGHT, Origin: 'https://evil.example' }, 'OPTIONS');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
  });
});

describe('CORS on errors', () => {
  it('lets browser scripts read error bodies too', async () => {
    const response = await get(`${open.url}/unknown`, { Origin: 'https://app.example.com' });
    expect(response.status).toBe(404);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a preflight on an unknown path with 404', async () => {
    const response = await get(`${open.url}/unknown`, PREFLIGHT, 'OPTIONS');
    expect(response.status).toBe(404);
  });
});
