import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { eventually, get } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { captureLogger } from '../support/logs.js';
import { startTestService } from '../support/service.js';
import { createLogger } from '../../src/observability/logger.js';

const key = rsaKey();
const capture = captureLogger('info');
let service: RunningService;

beforeAll(async () => {
  service = await startTestService({ KEYS_DIR: keysDirWith({ logs: key }) }, { logger: capture.logger });
});
afterAll(() => service?.shutdown());

describe('request ids', () => {
  it('keeps a well-formed X-Request-Id and echoes it', async () => {
    const response = await get(`${service.url}/.well-known/jwks.json`, { 'X-Request-Id': 'trace-123.abc' });
    expect(response.headers['x-request-id']).toBe('trace-123.abc');
  });

  it('replaces a malformed one with a generated id', async () => {
    const response = await get(`${service.url}/.well-known/jwks.json`, { 'X-Request-Id': 'bad id with spaces' });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await get(`${service.url}/.well-known/jwks.json`, { 'X-Request-Id': 'x'.repeat(129) });
    expect(tooLong.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('request log', () => {
  it('writes one line per request with method, path, status, duration and request id', async () => {
    await get(`${service.url}/.well-known/oauth-authorization-server?v=2`, { 'X-Request-Id': 'log-line-1' });
    expect(await eventually(() => capture.records().some((line) => line.requestId === 'log-line-1'))).toBe(true);
    const matching = capture.records().filter((line) => line.requestId === 'log-line-1');
    expect(matching).toHaveLength(1);
    expect(matching[0]).toMatchObject({ method: 'GET', path: '/.well-known/oauth-authorization-server', status: 200, level: 'info' });
    expect(typeof matching[0]?.durationMs).toBe('number');
  });

  it('logs key reloads and never key material', () => {
    expect(capture.records().some((line) => line.msg === 'keys published')).toBe(true);
    expect(capture.records().some((line) => line.msg === 'document published')).toBe(true);
    const jwk = key.privateKey.export({ format: 'jwk' });
    for (const secret of [jwk.d, jwk.p, jwk.q, jwk.n]) expect(capture.lines.join('\n')).not.toContain(secret);
    expect(capture.lines.join('\n')).not.toContain('PRIVATE KEY');
  });
});

describe('a failing log destination', () => {
  it('never turns an answer into a 500', async () => {
    // Startup lines get through; request lines hit a closed stdout.
    const logger = createLogger('info', {
      write(line: string) {
        if (line.includes('"msg":"request"')) throw new Error('EPIPE: stdout closed');
      },
    });
    const service = await startTestService({ KEYS_DIR: keysDirWith({ quiet: key }) }, { logger });
    try {
      const response = await get(`${service.url}/.well-known/jwks.json`);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body).keys).toHaveLength(1);
    } finally {
      await service.shutdown();
    }
  });
});
