import { execFileSync } from 'node:child_process';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES as DEFAULT_CAP, readBoundedFile, readBoundedFileSync, type BoundedRead } from '../src/bounded-file.js';
import { TempDirs } from './keys/helpers.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** The cap the documentation states for every file the service reads (docs/keys.md, docs/metadata.md): 1 MiB. */
const MAX_FILE_BYTES = 1024 * 1024;

it('caps files at 1 MiB by default, as documented', () => {
  expect(DEFAULT_CAP).toBe(MAX_FILE_BYTES);
});

/** A directory holding a small file, a FIFO, an oversized sparse file and a link to the small file. */
function fixtures(): { small: string; fifo: string; large: string; link: string; dir: string } {
  const dir = temp.make();
  const small = join(dir, 'small.json');
  writeFileSync(small, '{"a":1}');
  const fifo = join(dir, 'pipe.json');
  execFileSync('mkfifo', [fifo]);
  const large = join(dir, 'large.json');
  writeFileSync(large, '');
  truncateSync(large, MAX_FILE_BYTES + 1);
  const link = join(dir, 'link.json');
  symlinkSync(small, link);
  return { small, fifo, large, link, dir };
}

describe.each([
  ['readBoundedFile', (path: string, noFollow = false) => readBoundedFile(path, MAX_FILE_BYTES, { noFollow })],
  // A throw in the executor rejects, so both readers are tested the same way.
  [
    'readBoundedFileSync',
    (path: string, noFollow = false) =>
      new Promise<BoundedRead>((resolve) => resolve(readBoundedFileSync(path, MAX_FILE_BYTES, { noFollow }))),
  ],
])('%s', (_name, read) => {
  it('reads a regular file whole, with its stats', async () => {
    const { small } = fixtures();
    const result = await read(small);
    expect(result.ok && result.bytes.toString()).toBe('{"a":1}');
    expect(result.ok && result.stats.size).toBe(7);
  });

  it('refuses a FIFO at once (no writer needed: opened non-blocking, checked on its descriptor)', async () => {
    const { fifo } = fixtures();
    expect(await read(fifo)).toEqual({ ok: false, problem: 'not-regular', reason: 'is a FIFO (named pipe), not a regular file' });
  });

  it('refuses a device and a directory', async () => {
    expect(await read('/dev/null')).toEqual({ ok: false, problem: 'not-regular', reason: 'is a character device, not a regular file' });
    expect(await read(temp.make())).toMatchObject({ ok: false, problem: 'not-regular', reason: 'is a directory, not a regular file' });
  });

  it('refuses a file over the cap unread', async () => {
    const { large } = fixtures();
    expect(await read(large)).toEqual({
      ok: false,
      problem: 'too-large',
      reason: `is larger than ${MAX_FILE_BYTES} bytes (${MAX_FILE_BYTES + 1})`,
    });
  });

  it('follows a link unless told not to (ELOOP)', async () => {
    const { link } = fixtures();
    expect((await read(link)).ok).toBe(true);
    await expect(read(link, true)).rejects.toMatchObject({ code: 'ELOOP' });
  });

  it('throws the filesystem error of a missing file', async () => {
    await expect(read(join(temp.make(), 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
