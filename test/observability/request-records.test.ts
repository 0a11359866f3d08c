import { afterEach, describe, expect, it, vi } from 'vitest';
import { InternalError } from '../../src/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { RequestRecords, type RequestRecord } from '../../src/observability/request-records.js';
import { captureLogger } from '../support/logs.js';

/** What the records of one listener are made with, and what they wrote. */
function setup() {
  const capture = captureLogger('info');
  const metrics = createMetrics(() => undefined);
  const failures: unknown[] = [];
  const records = new RequestRecords(capture.logger, metrics, (error) => failures.push(error));
  const requestLines = () => capture.records().filter((line) => line.msg === 'request' || line.msg === 'request failed');
  return { capture, metrics, records, failures, requestLines };
}

/** A request answered now, 0.25 ms after it arrived. */
function record(n: number, fields: Partial<RequestRecord> = {}): RequestRecord {
  const endedMs = performance.now();
  return {
    requestId: `id-${n}`,
    method: 'GET',
    path: '/.well-known/jwks.json',
    route: '/.well-known/jwks.json',
    status: 200,
    startedMs: endedMs - 0.25,
    endedMs,
    ...fields,
  };
}

/** `http_requests_total` for the JWKS route and `status`, as the registry shows it. */
async function counted(metrics: ReturnType<typeof createMetrics>, status: number): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`http_requests_total{route="/.well-known/jwks.json",method="GET",status="${status}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('request records', () => {
  it('are written in one batch when 128 are pending, each line as pino writes it', () => {
    const { records, requestLines } = setup();
    for (let n = 0; n < 127; n += 1) records.add(record(n));
    expect(requestLines()).toHaveLength(0);
    records.add(record(127));
    const lines = requestLines();
    expect(lines).toHaveLength(128);
    expect(lines.map((line) => line.requestId)).toEqual(Array.from({ length: 128 }, (_, n) => `id-${n}`));
    expect(lines[0]).toMatchObject({ level: 'info', method: 'GET', path: '/.well-known/jwks.json', status: 200, durationMs: 0.25 });
  });

  it('are written 50 ms after the first of a batch when fewer are pending', () => {
    vi.useFakeTimers();
    const { records, requestLines } = setup();
    records.add(record(1));
    records.add(record(2));
    vi.advanceTimersByTime(49);
    expect(requestLines()).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(requestLines().map((line) => line.requestId)).toEqual(['id-1', 'id-2']);
  });

  it('carry the time the answer was ready, not the time they were written', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    vi.setSystemTime(new Date('2026-07-01T12:00:00.000Z'));
    const { records, requestLines } = setup();
    records.add(record(1));
    vi.advanceTimersByTime(40);
    records.flush();
    expect(requestLines()[0]?.time).toBe('2026-07-01T12:00:00.000Z');
  });

  it('are all observed before the registry is read, whichever metric it collects first', async () => {
    const { records, metrics } = setup();
    records.add(record(1));
    records.add(record(2, { status: 304 }));
    expect(await counted(metrics, 200)).toBe(1);
    expect(await counted(metrics, 304)).toBe(1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^http_request_duration_seconds_count\{route="\/\.well-known\/jwks\.json"\} 2$/m);
  });

  it('write a 5xx at once, with its cause, after the lines pending before it', () => {
    const { records, requestLines, capture } = setup();
    records.add(record(1));
    const cause = new Error('disk on fire');
    records.add(record(2, { status: 500, error: new InternalError({ cause }) }));
    const lines = requestLines();
    expect(lines.map((line) => [line.requestId, line.msg])).toEqual([
      ['id-1', 'request'],
      ['id-2', 'request failed'],
    ]);
    expect(capture.lines.at(-1)).toContain('disk on fire');
  });

  it('still count every request when the log destination fails, and say so', async () => {
    const metrics = createMetrics(() => undefined);
    const failures: unknown[] = [];
    const logger = createLogger('info', {
      write() {
        throw new Error('EPIPE: stdout closed');
      },
    });
    const records = new RequestRecords(logger, metrics, (error) => failures.push(error));
    records.add(record(1));
    records.add(record(2));
    records.flush();
    expect(failures).toHaveLength(2);
    expect(await counted(metrics, 200)).toBe(2);
  });
});
