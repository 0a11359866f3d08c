/**
 * Reads a keys directory once into a {@link KeySet}: the store's scans, the dev key and the CLI all go through
 * {@link scanKeysDir}, so they agree on what is published.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyAlgorithm } from '../config.js';
import { KeysDirError } from '../errors.js';
import { errorCode } from './key-errors.js';
import { parseKeyFile, refusedFile, type KeyEntry } from './key-file.js';
import { buildKeySet, type KeySet } from './key-set.js';

/** Larger files are refused unread: a key file is a few KiB, and a scan runs every second. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

/**
 * Scans `dir`. Entries whose name starts with '.' are skipped: hidden files, and the `..data` and
 * `..<timestamp>` entries of a Kubernetes Secret or ConfigMap volume, whose visible entries are symlinks through
 * `..data` (so they are followed). Subdirectories are not descended into. Throws a {@link KeysDirError} when `dir`
 * itself cannot be read; a file that cannot be read is refused instead.
 */
export async function scanKeysDir(dir: string, defaultAlg: KeyAlgorithm): Promise<KeySet> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new KeysDirError(`keys directory ${dir} cannot be read: ${describeFsError(error)}`, { cause: error });
  }
  const visible = entries.filter((entry) => !entry.name.startsWith('.') && (entry.isFile() || entry.isSymbolicLink()));
  const perFile = await Promise.all(visible.map((entry) => readKeyEntries(dir, entry.name, defaultAlg)));
  return buildKeySet(perFile.flat());
}

async function readKeyEntries(dir: string, file: string, defaultAlg: KeyAlgorithm): Promise<readonly KeyEntry[]> {
  const path = join(dir, file);
  try {
    const info = await stat(path);
    if (!info.isFile()) return [];
    if (info.size > MAX_KEY_FILE_BYTES) return [refusedFile(file, `larger than ${MAX_KEY_FILE_BYTES} bytes`)];
    return parseKeyFile(file, await readFile(path), defaultAlg);
  } catch (error) {
    // Gone between readdir and read, or a symlink left dangling while Kubernetes swaps `..data`: the next scan
    // sees the settled state, so this is not worth a refusal.
    if (errorCode(error) === 'ENOENT') return [];
    return [refusedFile(file, `cannot be read: ${describeFsError(error)}`)];
  }
}

/** A short, key-free description of a filesystem error. */
export function describeFsError(error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOENT':
      return 'no such file or directory (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${errorCode(error)})`;
    case 'ENOTDIR':
      return 'not a directory (ENOTDIR)';
    case undefined:
      return error instanceof Error ? error.message : String(error);
    default:
      return String(errorCode(error));
  }
}
