import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApp, type ReadinessCheck } from '../../src/http/admin.js';
import { createMetrics } from '../../src/observability/metrics.js';
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
    expect(text).toMatch(/^jwks_key_set_stale 0$/m);
    expect(text).toMatch(/^jwks_refused_keys 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
  });
});

/** The `/readyz` answer of an admin app over the service's documents, draining or not, with further `checks`. */
async function readyz(draining: boolean, checks: readonly ReadinessCheck[]): Promise<{ status: number; body: unknown }> {
  const callback = createAdminApp(service.documents, service.metrics, { draining }, checks).callback();
  const server = createServer((req, res) => void callback(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
    return { status: response.status, body: JSON.parse(response.body) };
  } finally {
    server.close();
  }
}

describe('readiness beyond the documents', () => {
  it('lists the problem of every failing check, after the documents', async () => {
    expect(await readyz(false, [() => undefined])).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await readyz(true, [() => 'keys: stale', () => undefined])).toEqual({
      status: 503,
      body: { status: 'not ready', reasons: ['shutting down', 'keys: stale'] },
    });
  });

  it('answers 503 with the reason while the key set is stale', async () => {
    expect(await readyz(false, [() => 'keys: no scan of /keys completed for 40 s'])).toEqual({
      status: 503,
      body: { status: 'not ready', reasons: ['keys: no scan of /keys completed for 40 s'] },
    });
  });

  it('/metrics shows a stale key set and refused keys', async () => {
    const metrics = createMetrics({
      keys: () => ({ published: 1, reloads: 1, failures: 3, lastSuccessAt: new Date(), refused: 2, stale: 'keys: stale' }),
    });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^jwks_key_set_stale 1$/m);
    expect(text).toMatch(/^jwks_refused_keys 2$/m);
  });
});
