import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { get } from '../support/http.js';
import { keysDirWith, rsaKey, tempDir } from '../support/keys.js';
import { startTestService } from '../support/service.js';

let service: RunningService;
let keyless: RunningService;
beforeAll(async () => {
  [service, keyless] = await Promise.all([
    startTestService({ KEYS_DIR: keysDirWith({ admin: rsaKey() }) }),
    startTestService({ KEYS_DIR: tempDir() }),
  ]);
});
afterAll(async () => {
  await Promise.all([service?.shutdown(), keyless?.shutdown()]);
});

describe('admin listener', () => {
  it('is a separate port from the public one', () => {
    expect(new URL(service.adminUrl).port).not.toBe(new URL(service.url).port);
  });

  it('answers /healthz', async () => {
    const response = await get(`${service.adminUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
  });

  it('is ready when both documents have a valid representation', async () => {
    const response = await get(`${service.adminUrl}/readyz`);
    expect(response.status).toBe(200);
  });

  it('is not ready, with the reason, when the JWKS has no key', async () => {
    const response = await get(`${keyless.adminUrl}/readyz`);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body).reasons).toEqual(['getWellKnownJwksJson: Failed to load keys']);
  });

  it('does not serve the admin endpoints on the public port', async () => {
    expect((await get(`${service.url}/metrics`)).status).toBe(404);
    expect((await get(`${service.url}/healthz`)).status).toBe(404);
  });

  it('exposes Prometheus metrics for requests, keys and the process', async () => {
    await get(`${service.url}/.well-known/jwks.json`);
    await get(`${service.url}/nowhere`);
    const response = await get(`${service.adminUrl}/metrics`);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(/http_requests_total\{route="\/\.well-known\/jwks\.json",method="GET",status="200"\} [1-9]/);
    expect(text).toMatch(/http_requests_total\{route="\(unmatched\)",method="GET",status="404"\} [1-9]/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0\.001",route="\/\.well-known\/jwks\.json"\}/);
    expect(text).toMatch(/^jwks_published_keys 1$/m);
    expect(text).toMatch(/^jwks_reloads_total [1-9]/m);
    expect(text).toMatch(/^jwks_reload_failures_total 0$/m);
    expect(text).toMatch(/^jwks_last_reload_success_timestamp_seconds [1-9]/m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
  });
});
