import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { get } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { startTestService } from '../support/service.js';

const JWKS = '/.well-known/jwks.json';
const METADATA = '/.well-known/oauth-authorization-server';
let keysDir: string;
let a: RunningService;
let b: RunningService;

beforeAll(async () => {
  keysDir = keysDirWith({ 'cache-1': rsaKey() });
  const env = { KEYS_DIR: keysDir, CACHE_MAX_AGE: '120', ISSUER: 'https://auth.example.com' };
  [a, b] = await Promise.all([startTestService(env), startTestService(env)]);
});
afterAll(async () => {
  await Promise.all([a?.shutdown(), b?.shutdown()]);
});

describe.each([JWKS, METADATA])('caching of %s', (path) => {
  it('carries Cache-Control from CACHE_MAX_AGE and a strong ETag', async () => {
    const response = await get(a.url + path);
    expect(response.headers['cache-control']).toBe('public, max-age=120');
    expect(response.headers.etag).toMatch(/^"[^"]+"$/);
  });

  it('has the same body and ETag on two instances over the same inputs', async () => {
    const [first, second] = await Promise.all([get(a.url + path), get(b.url + path)]);
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
  });

  it.each([
    ['the tag itself', (etag: string) => etag],
    ['the tag inside a list', (etag: string) => `"other", ${etag}, "more"`],
    ['the weak form of the tag', (etag: string) => `W/${etag}`],
    ['*', () => '*'],
  ])('answers If-None-Match with %s with 304 and no body', async (_name, header) => {
    const etag = (await get(a.url + path)).headers.etag ?? '';
    const response = await get(a.url + path, { 'If-None-Match': header(etag) });
    expect(response.status).toBe(304);
    expect(response.body).toBe('');
    expect(response.headers.etag).toBe(etag);
    expect(response.headers['cache-control']).toBe('public, max-age=120');
  });

  it('answers 304 to a revalidation as fetch() sends it, with Cache-Control: no-cache', async () => {
    const etag = (await get(a.url + path)).headers.etag ?? '';
    const response = await fetch(a.url + path, { headers: { 'If-None-Match': etag } });
    expect(response.status).toBe(304);
    const explicit = await get(a.url + path, { 'If-None-Match': etag, 'Cache-Control': 'no-cache', Pragma: 'no-cache' });
    expect(explicit.status).toBe(304);
  });

  it('answers 200 to a non-matching If-None-Match', async () => {
    const response = await get(a.url + path, { 'If-None-Match': '"stale"' });
    expect(response.status).toBe(200);
    expect(response.body.length).toBeGreaterThan(0);
  });
});

describe('ETag and key changes', () => {
  it('changes the JWKS ETag when a key is added, on every instance alike', async () => {
    const before = (await get(a.url + JWKS)).headers.etag;
    writeFileSync(join(keysDir, 'cache-2.pem'), rsaKey().pem, { mode: 0o600 });
    await Promise.all([a.keys.reload(), b.keys.reload()]);
    const [first, second] = await Promise.all([get(a.url + JWKS), get(b.url + JWKS)]);
    expect(first.headers.etag).not.toBe(before);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(JSON.parse(first.body).keys.map((key: { kid: string }) => key.kid)).toEqual(['cache-1', 'cache-2']);
  });

  it('marks errors no-store', async () => {
    const response = await get(`${a.url}/missing`);
    expect(response.status).toBe(404);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.etag).toBeUndefined();
  });
});
