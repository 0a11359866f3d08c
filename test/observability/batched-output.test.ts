import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchedOutput } from '../../src/observability/batched-output.js';
import { eventually } from '../support/http.js';

const dir = mkdtempSync(join(tmpdir(), 'wk-batched-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A BatchedOutput on a new file, and a reader of that file. */
function output(name: string): { out: BatchedOutput; read: () => string; close: () => void } {
  const file = join(dir, name);
  const fd = openSync(file, 'w');
  return { out: new BatchedOutput(fd), read: () => readFileSync(file, 'utf8'), close: () => closeSync(fd) };
}

describe('BatchedOutput', () => {
  it('holds lines until a batch is full, then writes them all, in order', () => {
    const { out, read, close } = output('full');
    out.write('first\n');
    const filler = `${'x'.repeat(20_000)}\n`;
    out.write(filler);
    // 20 KB held: a batch is 32 KiB.
    expect(read()).toBe('');
    out.write(filler);
    expect(read()).toBe(`first\n${filler}${filler}`);
    close();
  });

  it('writes what it holds on flushSync, and a quiet batch on its own soon after', async () => {
    const { out, read, close } = output('quiet');
    out.write('a\n');
    out.flushSync();
    expect(read()).toBe('a\n');
    out.write('b\n');
    // A ceiling, not an expectation: the batch is due 100 ms after its first line.
    expect(await eventually(() => read() === 'a\nb\n', 10_000)).toBe(true);
    close();
  });

  it('keeps the order and every byte of multi-byte lines and of lines longer than its buffer', () => {
    const { out, read, close } = output('long');
    const lines = ['é€😀 first\n', `${'ü'.repeat(30_000)}\n`, 'between\n', `${'y'.repeat(200_000)}\n`, 'last ✓\n'];
    for (const line of lines) out.write(line);
    out.flushSync();
    expect(read()).toBe(lines.join(''));
    close();
  });
});
