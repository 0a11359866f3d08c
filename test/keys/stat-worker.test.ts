import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lstatAsync, StatWorker } from '../../src/keys/stat-worker.js';
import { TempDirs } from './helpers.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

describe('StatWorker', () => {
  it('answers as lstat through the thread pool does: files, directories, links (not followed), errors', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'file'), 'content');
    mkdirSync(join(dir, 'sub'));
    symlinkSync('file', join(dir, 'link'));
    const paths = ['file', 'sub', 'link', 'missing', 'file/below'].map((name) => join(dir, name));
    const worker = new StatWorker();
    try {
      const [viaWorker, viaPool] = [await worker.stat(paths), await lstatAsync(paths)];
      expect(viaWorker).toEqual(viaPool);
      expect(viaWorker.slice(3)).toEqual([{ error: 'ENOENT' }, { error: 'ENOTDIR' }]);
      expect(viaWorker[0]).toMatchObject({ size: 7 });
      // Answers keep coming from the same worker.
      expect(await worker.stat(paths.slice(0, 1))).toEqual(viaPool.slice(0, 1));
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
      const [stat] = await worker.stat([${JSON.stringify(join(dir, 'file'))}]);
      console.log(stat.size);`;
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
