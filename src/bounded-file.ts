/**
 * Reading a file an operator hands the service (a key file, `METADATA_FILE`, `openapi.json`) without trusting
 * what the path names: open it non-blocking (so a FIFO cannot hang `open()`), check the opened descriptor with
 * `fstat` (a regular file, within the size cap), read at most the cap plus one byte from that descriptor, and
 * `fstat` again to notice a file that changed while it was read. Never `stat` a path and then open it: the
 * path may name something else by then.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** Default cap: every file read this way is a few KiB; a larger one is refused unread. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** How to open the file. */
export interface OpenOptions {
  /** Refuse a symbolic link as the last path component (`O_NOFOLLOW`): the caller resolved links itself. */
  readonly noFollow?: boolean;
}

/** The bytes of a file, or why they were not read. */
export type BoundedRead =
  | { readonly ok: true; readonly bytes: Buffer; readonly stats: Stats }
  | { readonly ok: false; readonly problem: 'not-regular' | 'too-large' | 'changed'; readonly reason: string };

function openFlags(options: OpenOptions): number {
  return constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow === true ? constants.O_NOFOLLOW : 0);
}

/** File types by their `S_IFMT` bits, as `stat(2)`'s `st_mode` gives them, with how a reason names them. */
const FILE_TYPES: ReadonlyMap<number, string> = new Map([
  [constants.S_IFREG, 'a regular file'],
  [constants.S_IFDIR, 'a directory'],
  [constants.S_IFIFO, 'a FIFO (named pipe)'],
  [constants.S_IFSOCK, 'a socket'],
  [constants.S_IFCHR, 'a character device'],
  [constants.S_IFBLK, 'a block device'],
  [constants.S_IFLNK, 'a symbolic link'],
]);

/** What the file of `mode` is, for a reason: `a FIFO (named pipe)`, `a directory`, … */
export function fileKind(mode: number): string {
  return FILE_TYPES.get(mode & constants.S_IFMT) ?? 'not a regular file';
}

/** Whether `mode` is that of a file of the type `type` (`S_IFREG`, `S_IFDIR`, `S_IFLNK`…). */
export function isType(mode: number, type: number): boolean {
  return (mode & constants.S_IFMT) === type;
}

/** What identifies a version of a file: the members of `Stats` {@link sameVersion} compares. */
export type FileVersion = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

/**
 * Whether `a` and `b` are the same version of the same file: device, inode, size, and modification and change
 * times (milliseconds with a fraction finer than the kernel's clock tick). Equal means the file was not replaced,
 * written or truncated in between (a write always moves `ctime`). Compared as numbers, never formatted: this runs
 * for every key file on every rescan.
 */
export function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.dev === b.dev;
}

/** Why the opened file is refused unread, or `undefined` when it is a regular file within `maxBytes`. */
function openedProblem(stats: Stats, maxBytes: number): BoundedRead | undefined {
  if (!stats.isFile()) return { ok: false, problem: 'not-regular', reason: `is ${fileKind(stats.mode)}, not a regular file` };
  if (stats.size > maxBytes) return { ok: false, problem: 'too-large', reason: `is larger than ${maxBytes} bytes (${stats.size})` };
  return undefined;
}

/** The outcome once `length` bytes were read and the descriptor was checked again (`after`). */
function settled(bytes: Buffer, length: number, before: Stats, after: Stats): BoundedRead {
  if (length !== before.size || !sameVersion(after, before)) {
    return { ok: false, problem: 'changed', reason: 'changed while it was read' };
  }
  return { ok: true, bytes: bytes.subarray(0, length), stats: before };
}

/**
 * Reads `path` as described above. Throws the filesystem error when `path` cannot be opened or read (`ENOENT`,
 * `EACCES`, `ELOOP` for a link under `noFollow`, `EMFILE`…); every other outcome is a {@link BoundedRead}.
 */
export async function readBoundedFile(path: string, maxBytes: number = MAX_FILE_BYTES, options: OpenOptions = {}): Promise<BoundedRead> {
  const handle = await open(path, openFlags(options));
  try {
    const before = await handle.stat();
    const problem = openedProblem(before, maxBytes);
    if (problem !== undefined) return problem;
    // One byte more than the file claims, so that a file that grew is noticed.
    const buffer = Buffer.alloc(before.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      length += bytesRead;
      if (bytesRead === 0 || length === buffer.length) break;
    }
    return settled(buffer, length, before, await handle.stat());
  } finally {
    await handle.close();
  }
}

/** {@link readBoundedFile} for startup code that reads one small file synchronously (`METADATA_FILE`). */
export function readBoundedFileSync(path: string, maxBytes: number = MAX_FILE_BYTES, options: OpenOptions = {}): BoundedRead {
  const fd = openSync(path, openFlags(options));
  try {
    const before = fstatSync(fd);
    const problem = openedProblem(before, maxBytes);
    if (problem !== undefined) return problem;
    const buffer = Buffer.alloc(before.size + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      length += bytesRead;
      if (bytesRead === 0 || length === buffer.length) break;
    }
    return settled(buffer, length, before, fstatSync(fd));
  } finally {
    closeSync(fd);
  }
}
