import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lstatAsync, StatWorker } from '../../src/keys/stat-worker.js';
import { TempDirs } from './helpers.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** A list long enough for the worker: the short ones go to the thread pool. */
const LONG = 200;

/** Files, a directory, a link (not followed) and two errors. */
function mixedPaths(): string[] {
  const dir = temp.make();
  writeFileSync(join(dir, 'file'), 'content');
  mkdirSync(join(dir, 'sub'));
  symlinkSync('file', join(dir, 'link'));
  return ['file', 'sub', 'link', 'missing', 'file/below'].map((name) => join(dir, name));
}

/** `paths` repeated up to `length` entries. */
const repeated = (paths: readonly string[], length: number): string[] => Array.from({ length }, (_, i) => paths[i % paths.length] ?? '');

describe('StatWorker', () => {
  // Node announces every worker thread it starts on `process`.
  let started: Worker[] = [];
  const onWorker = (worker: Worker): void => void started.push(worker);
  beforeEach(() => {
    started = [];
    process.on('worker', onWorker);
  });
  afterEach(() => {
    process.off('worker', onWorker);
  });

  it('answers a long list on one worker thread as lstat through the thread pool does', async () => {
    const paths = repeated(mixedPaths(), LONG);
    const worker = new StatWorker();
    try {
      const [viaWorker, viaPool] = [await worker.stat(paths), await lstatAsync(paths)];
      expect(started).toHaveLength(1);
      expect(viaWorker).toEqual(viaPool);
      expect(viaWorker.slice(3, 5)).toEqual([{ error: 'ENOENT' }, { error: 'ENOTDIR' }]);
      expect(viaWorker[0]).toMatchObject({ size: 7 });
      // Answers keep coming from the same worker.
      expect(await worker.stat(paths)).toEqual(viaPool);
      expect(started).toHaveLength(1);
    } finally {
      worker.close();
    }
  });

  it('answers a short list through the thread pool without starting a thread, and stops an idle one', async () => {
    const paths = mixedPaths();
    const worker = new StatWorker();
    try {
      expect(await worker.stat(paths)).toEqual(await lstatAsync(paths));
      expect(started).toHaveLength(0);
      await worker.stat(repeated(paths, LONG));
      expect(started).toHaveLength(1);
      const exited = new Promise((resolve) => started[0]?.once('exit', resolve));
      // The directory shrank: the worker is stopped, and the short list still answered.
      expect(await worker.stat(paths)).toEqual(await lstatAsync(paths));
      await exited;
      expect(started).toHaveLength(1);
    } finally {
      worker.close();
    }
  });

  it('keeps a process alive while it owes an answer, and lets it exit when idle', () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'file'), 'x');
    const script = `
      import { StatWorker } from './src/keys/stat-worker.ts';
      const worker = new StatWorker();
      const stats = await worker.stat(Array(${LONG}).fill(${JSON.stringify(join(dir, 'file'))}));
      console.log(stats[0].size);`;
    // No close(): an idle worker must not hold the process, or every CLI and test would hang at exit.
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('1\n');
    expect(run.status).toBe(0);
  });
});
