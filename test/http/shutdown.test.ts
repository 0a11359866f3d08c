import { Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import { get } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { spawnServer } from '../support/process.js';
import { startTestService } from '../support/service.js';

const keysDir = keysDirWith({ shutdown: rsaKey() });

describe('graceful shutdown', () => {
  it('turns readiness to 503 at once, while connections drain', async () => {
    const service = await startTestService({ KEYS_DIR: keysDir, SHUTDOWN_TIMEOUT_MS: '4000' });
    // An idle keep-alive connection keeps the drain open for its grace period.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await get(`${service.url}/.well-known/jwks.json`, {}, 'GET', agent);
    const stopped = service.shutdown();
    const ready = await get(`${service.adminUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).reasons).toContain('shutting down');
    await stopped;
    agent.destroy();
  });

  it('answers during the drain with Connection: close', async () => {
    const service = await startTestService({ KEYS_DIR: keysDir, SHUTDOWN_TIMEOUT_MS: '4000' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await get(`${service.url}/.well-known/jwks.json`, {}, 'GET', agent);
    const stopped = service.shutdown();
    const response = await get(`${service.url}/.well-known/jwks.json`, {}, 'GET', agent);
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe('close');
    await stopped;
    agent.destroy();
  });

  it('loses no request of a burst when SIGTERM arrives, and exits 0', async () => {
    const server = await spawnServer({ KEYS_DIR: keysDir, SHUTDOWN_TIMEOUT_MS: '5000' });
    const connections = 64;
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const url = `${server.url}/.well-known/jwks.json`;
    // Warm every connection, so the burst goes out on established keep-alive sockets.
    await Promise.all(Array.from({ length: connections }, () => get(url, {}, 'GET', agent)));
    // The signal goes first, so the burst is on the wire while the server starts to drain: exactly the
    // requests a plain server.close() resets.
    server.child.kill('SIGTERM');
    const burst = Array.from({ length: connections }, () =>
      get(url, {}, 'GET', agent).then(
        (r) => (r.status === 200 ? 200 : `${r.status} ${r.body} ${JSON.stringify(r.headers)}`),
        (e: Error) => e.message,
      ),
    );
    const statuses = await Promise.all(burst);
    if (statuses.some((s) => s !== 200))
      console.log(JSON.stringify(server.lines.filter((l) => l.level !== 'info' || l.status !== 200).slice(0, 6)));
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(await server.exited).toBe(0);
    agent.destroy();
  });

  it('exits 0 on SIGINT with idle keep-alive clients still connected', async () => {
    const server = await spawnServer({ KEYS_DIR: keysDir, SHUTDOWN_TIMEOUT_MS: '3000' });
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    await Promise.all([1, 2, 3, 4].map(() => get(`${server.url}/.well-known/jwks.json`, {}, 'GET', agent)));
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    agent.destroy();
  });
});
