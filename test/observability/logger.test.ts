import { describe, expect, it } from 'vitest';
import { requestLineWriter } from '../../src/observability/logger.js';
import { captureLogger } from '../support/logs.js';

describe('the per-request line', () => {
  it('is byte for byte the line pino writes for the same fields, the time aside', () => {
    const capture = captureLogger('info');
    const line = { requestId: 'trace-1.a/b+c=', method: 'GET', path: '/a "quoted"\\path\u0001', status: 304, durationMs: 0.125 };
    capture.logger.info(line, 'request');
    requestLineWriter(capture.logger)(line, Date.now());
    const [byPino, byWriter] = capture.lines.map((text) => text.replace(/"time":"[^"]+"/, '"time":"T"'));
    expect(byWriter).toBe(byPino);
    expect(JSON.parse(byWriter ?? '')).toMatchObject({ ...line, level: 'info', service: 'archera-well-known', msg: 'request' });
  });

  it('is not written below the logger’s level', () => {
    const capture = captureLogger('info');
    capture.logger.level = 'warn';
    requestLineWriter(capture.logger)({ requestId: 'x', method: 'GET', path: '/', status: 200, durationMs: 1 }, Date.now());
    expect(capture.lines).toEqual([]);
  });
});
