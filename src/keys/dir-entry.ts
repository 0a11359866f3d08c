/**
 * The cheap look a scan takes at every entry of the keys directory, without opening anything: its type, its
 * identity (device, inode, size, times), and for a symbolic link where it resolves. This runs for every entry on
 * every rescan, so it costs one `lstat` per entry (see `stat-worker.ts` for how), plus `realpath` and `stat` for
 * a link.
 *
 * Symbolic links are followed only to a file inside the keys directory (compared by real path, so the
 * `..data` indirection of a Kubernetes volume resolves inside it); a link that leads out is refused, so a key,
 * or `/etc/shadow`, elsewhere on the host is never read through it.
 */
import { constants } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, sep } from 'node:path';
import { fileKind, isType, sameVersion, type FileVersion } from '../bounded-file.js';
import { errorCode } from '../errors.js';
import { KEY_FILE_EXTENSIONS } from './key-names.js';
import { pathStat, type PathStat, type StatMany } from './stat-worker.js';

/** What a scan learnt of one entry. */
export type EntryProbe =
  /** Gone since the directory was listed, or a link left dangling (as during a Kubernetes volume swap). */
  | { readonly kind: 'gone' }
  /** Not a key: a subdirectory without a key file's extension. */
  | { readonly kind: 'ignored' }
  /** Refused without being opened; `identity` tells whether a later scan sees the same thing. */
  | { readonly kind: 'refused'; readonly identity: EntryIdentity; readonly reason: string }
  /** A symbolic link that resolves to nothing for good (a loop): unpublished like a deleted file, and reported. */
  | { readonly kind: 'unresolvable'; readonly identity: EntryIdentity; readonly reason: string }
  /** The filesystem answered with an error. */
  | { readonly kind: 'failed'; readonly error: unknown }
  /** A regular file within the size cap, to be read from `path` (no link left to follow) when `identity` changed. */
  | { readonly kind: 'file'; readonly identity: EntryIdentity; readonly path: string };

/**
 * What a scan compares to decide whether an entry changed: the version of the file it leads to (see
 * `sameVersion`), and a `tag` for what the version alone cannot tell: where a link resolves (a swapped `..data`
 * may hold an identical file), or the error or refusal seen instead of a file.
 */
export interface EntryIdentity {
  readonly tag: string;
  readonly version: FileVersion | undefined;
}

/** Whether two identities are equal (`undefined` never equals anything: such a file is always read again). */
export function sameIdentity(a: EntryIdentity | undefined, b: EntryIdentity | undefined): boolean {
  if (a === undefined || b === undefined || a.tag !== b.tag) return false;
  return a.version === undefined || b.version === undefined ? a.version === b.version : sameVersion(a.version, b.version);
}

/**
 * Probes the entries `names` of `dir`, whose real path is `root`, in order. A regular file over `maxBytes` is
 * refused unread; a FIFO, socket or device is refused whatever its name, a directory only when its name has a key
 * file's extension (`keys.pem/`); other subdirectories are ignored.
 */
export async function probeEntries(
  dir: string,
  root: string,
  names: readonly string[],
  maxBytes: number,
  statMany: StatMany,
): Promise<EntryProbe[]> {
  // Concatenated, not `path.join`ed: a name from readdir has no separator, and this runs per entry per rescan.
  const base = dir.endsWith(sep) ? dir : `${dir}${sep}`;
  const paths = names.map((name) => `${base}${name}`);
  const found = await statMany(paths);
  const probes = new Array<EntryProbe>(names.length);
  const links: Array<Promise<void>> = [];
  found.forEach((entry, index) => {
    const name = names[index] ?? '';
    const path = paths[index] ?? '';
    if (entry.error !== undefined) probes[index] = failed(Object.assign(new Error(entry.error), { code: entry.error }));
    else if (!isType(entry.mode, constants.S_IFLNK)) probes[index] = classify(name, entry, path, '', maxBytes);
    else links.push(probeLink(name, path, root, maxBytes).then((probe) => void (probes[index] = probe)));
  });
  await Promise.all(links);
  return probes;
}

async function probeLink(name: string, path: string, root: string, maxBytes: number): Promise<EntryProbe> {
  try {
    const target = await realpath(path);
    if (!isInside(root, target)) {
      return {
        kind: 'refused',
        identity: { tag: `outside:${target}`, version: undefined },
        reason: `is a symbolic link to ${target}, outside the keys directory; mount or copy the key into it instead`,
      };
    }
    return classify(name, pathStat(await stat(target)), target, target, maxBytes);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ELOOP' || code === 'ENAMETOOLONG') {
      return {
        kind: 'unresolvable',
        identity: { tag: `error:${code}`, version: undefined },
        reason: `is a symbolic link that does not resolve: ${code === 'ELOOP' ? 'a loop of links' : 'its target path is too long'} (${code})`,
      };
    }
    return failed(error);
  }
}

function classify(
  name: string,
  stats: Exclude<PathStat, { readonly error: string }>,
  path: string,
  resolved: string,
  maxBytes: number,
): EntryProbe {
  const identity = { tag: resolved, version: stats };
  if (isType(stats.mode, constants.S_IFREG)) {
    if (stats.size > maxBytes) return { kind: 'refused', identity, reason: `is larger than ${maxBytes} bytes (${stats.size})` };
    return { kind: 'file', identity, path };
  }
  if (isType(stats.mode, constants.S_IFDIR) && !KEY_FILE_EXTENSIONS.has(extname(name).toLowerCase())) return { kind: 'ignored' };
  return { kind: 'refused', identity, reason: `is ${fileKind(stats.mode)}, not a regular file` };
}

function failed(error: unknown): EntryProbe {
  return errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR' ? { kind: 'gone' } : { kind: 'failed', error };
}

/** Whether the real path `target` lies inside the directory whose real path is `root`. */
function isInside(root: string, target: string): boolean {
  return target.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}
