/**
 * Reads a keys directory into a {@link KeySet}: the store's scans, the dev key and the CLI all go through
 * {@link KeyDirScanner}, so they agree on what is published.
 *
 * A scan lists the directory, sets aside the entries that are no key files by name (`key-names.ts`), and probes
 * every other entry (`dir-entry.ts`); only a file whose identity (device, inode, size, mtime, ctime) changed since
 * the previous scan is read again, through the bounded, non-blocking read of `bounded-file.ts`, and parsed. An
 * idle rescan of a thousand key files is a thousand `lstat` calls.
 *
 * What a file publishes changes only on evidence:
 * - a transient error (`EMFILE`, `EIO`, `EAGAIN`…) or a file that changed while it was read keeps the file's
 *   previous result for this scan, and it is read again next scan;
 * - a result that would drop the keys a file published (empty, truncated or unparseable right after a write, as
 *   `cp` truncates then writes in place) is adopted only when a second consecutive scan sees the file unchanged,
 *   and its last change is older than {@link RACY_WINDOW_MS} (until then it is read again every scan);
 * - a file whose RSA modulus checks did not finish within the scan's budget keeps its previous result, and is read
 *   again next scan, when the verdicts are cached (`modulus-checks.ts`): however costly a file, every scan ends;
 * - a file that is gone, or a symbolic link that no longer resolves (dangling, or a loop), drops its keys at once.
 */
import { readdir, realpath } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MAX_FILE_BYTES, readBoundedFile } from '../bounded-file.js';
import type { KeyAlgorithm } from '../config.js';
import { errorCode, KeysDirError } from '../errors.js';
import { printable } from '../rules/finding.js';
import { probeEntries, sameIdentity, type EntryIdentity, type EntryProbe } from './dir-entry.js';
import { parseKeyFile, refusedFile, type KeyEntry } from './key-file.js';
import { splitKeyNames } from './key-names.js';
import { ModulusChecks } from './modulus-checks.js';
import { lstatAsync, type StatMany } from './stat-worker.js';
import { buildKeySet, type KeySet } from './key-set.js';

/** Larger files are refused unread: a key file is a few KiB. */
export const MAX_KEY_FILE_BYTES = MAX_FILE_BYTES;

/** Error codes after which a read is retried next scan, keeping what the file published. */
const TRANSIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'EMFILE',
  'ENFILE',
  'EIO',
  'EAGAIN',
  'EWOULDBLOCK',
  'EBUSY',
  'EINTR',
  'ENOMEM',
  'ENOBUFS',
  'ETIMEDOUT',
  'ESTALE',
]);

/**
 * A file whose change time is this recent when it is read is read again next scan: timestamps are as coarse as the
 * kernel's clock tick (a whole second on some filesystems), so two writes within one tick, such as `cp` truncating
 * and rewriting a file of the same size, leave identical metadata. Only a version older than this is trusted to
 * stand for its content, or confirms a refusal as stable.
 */
const RACY_WINDOW_MS = 2000;

/** Changed files read and parsed at once; each parse yields to the event loop before the next begins. */
const READ_CONCURRENCY = 4;

/** A result for a file, and the identity it came from (`undefined`: not to be trusted, read again next scan). */
interface Candidate {
  readonly identity: EntryIdentity | undefined;
  readonly entries: readonly KeyEntry[];
}

/** What one file currently contributes, and how it was read. */
interface FileState extends Candidate {
  /** A result that would drop keys `entries` publishes, adopted if the next scan sees the same identity. */
  readonly pending?: Candidate | undefined;
}

/** A file whose previous result was kept because it could not be read this time. */
export interface KeptFile {
  readonly file: string;
  readonly reason: string;
}

/** The outcome of one scan. */
export interface KeyScan {
  readonly set: KeySet;
  /** Whether any file's result changed since the previous scan (when not, `set` is the previous object). */
  readonly changed: boolean;
  /** Files that kept their previous result (a transient error, or changed while read). */
  readonly kept: readonly KeptFile[];
}

/** How a {@link KeyDirScanner} works, beyond the defaults. */
export interface ScannerOptions {
  /** How entries are `lstat`ed; default {@link lstatAsync}. The key store passes a `StatWorker`'s. */
  readonly statMany?: StatMany;
  /** Default {@link RACY_WINDOW_MS}; tests that need a just-written file trusted at once pass 0. */
  readonly racyWindowMs?: number;
  /** Where RSA moduli are examined; default a new {@link ModulusChecks}, whose cache lives as long as the scanner. */
  readonly checks?: ModulusChecks;
  /**
   * How long one file's read waits for the verdicts on its RSA moduli, in milliseconds; a scan waits at most twice
   * that in all. Past it, the file keeps its previous result and is read again next scan. Default: no limit (a
   * one-off read, such as the CLI's, waits for every verdict).
   */
  readonly checkBudgetMs?: number;
  /** {@link ScannerOptions.checkBudgetMs} of the first scan; default the same. */
  readonly firstCheckBudgetMs?: number;
}

/**
 * Scans one directory again and again, remembering each file's result. Entries that are no key files by name are
 * not read (`key-names.ts`): among them the `..data` and `..<timestamp>` entries of a Kubernetes Secret or
 * ConfigMap volume, whose visible entries are symlinks through `..data`. Subdirectories are not descended into.
 */
export class KeyDirScanner {
  readonly #dir: string;
  readonly #defaultAlg: KeyAlgorithm;
  readonly #racyWindowMs: number;
  readonly #statMany: StatMany;
  readonly #checks: ModulusChecks;
  readonly #checkBudgetMs: number;
  readonly #firstCheckBudgetMs: number;
  #files: ReadonlyMap<string, FileState> = new Map();
  /** The ignored names of the last scan, joined: what tells whether the list changed. */
  #ignoredNames = '';
  #set: KeySet = buildKeySet([]);
  #generation = 0;

  constructor(dir: string, defaultAlg: KeyAlgorithm, options: ScannerOptions = {}) {
    this.#dir = dir;
    this.#defaultAlg = defaultAlg;
    this.#racyWindowMs = options.racyWindowMs ?? RACY_WINDOW_MS;
    this.#statMany = options.statMany ?? lstatAsync;
    this.#checks = options.checks ?? new ModulusChecks();
    this.#checkBudgetMs = options.checkBudgetMs ?? Number.POSITIVE_INFINITY;
    this.#firstCheckBudgetMs = options.firstCheckBudgetMs ?? this.#checkBudgetMs;
  }

  /**
   * Scans once. Throws a {@link KeysDirError} when the directory itself cannot be read; a file that cannot be
   * read is refused or kept instead. Resolves with `undefined` when a later scan started meanwhile (a scan the
   * store gave up waiting for): only the latest scan's view is kept.
   */
  async scan(): Promise<KeyScan | undefined> {
    this.#generation += 1;
    const generation = this.#generation;
    const previous = this.#files;
    const budgetMs = generation === 1 ? this.#firstCheckBudgetMs : this.#checkBudgetMs;
    const checksUntil = performance.now() + 2 * budgetMs;
    const { root, listing } = await listDirectory(this.#dir);
    const { keyFiles: names, ignored } = splitKeyNames(listing);
    const probes = await probeEntries(this.#dir, root, names, MAX_KEY_FILE_BYTES, this.#statMany);
    const kept: KeptFile[] = [];
    const states = new Array<FileState | undefined>(names.length);
    const toRead: number[] = [];
    // Unchanged files (the idle case) are settled here without a promise each; only changed ones are read.
    names.forEach((name, index) => {
      const probe = probes[index] ?? { kind: 'gone' };
      const before = previous.get(name);
      if (probe.kind !== 'file') states[index] = settleUnread(name, probe, before, kept);
      else if (before?.pending !== undefined && sameIdentity(before.pending.identity, probe.identity)) states[index] = before.pending;
      else if (before !== undefined && sameIdentity(before.identity, probe.identity))
        states[index] = before.pending === undefined ? before : { identity: before.identity, entries: before.entries };
      else toRead.push(index);
    });
    await mapLimited(toRead, READ_CONCURRENCY, async (index) => {
      const name = names[index] ?? '';
      const probe = probes[index];
      if (probe?.kind === 'file') states[index] = await this.#read(name, probe, previous.get(name), kept, budgetMs, checksUntil);
    });
    if (generation !== this.#generation) return undefined;
    const files = new Map<string, FileState>();
    let changed = false;
    names.forEach((name, index) => {
      const state = states[index];
      if (state === undefined) return;
      files.set(name, state);
      if (previous.get(name)?.entries !== state.entries) changed = true;
    });
    changed ||= files.size !== previous.size;
    const ignoredNames = ignored.map((entry) => entry.file).join('\u0000');
    changed ||= ignoredNames !== this.#ignoredNames;
    this.#files = files;
    this.#ignoredNames = ignoredNames;
    if (changed)
      this.#set = buildKeySet(
        [...files.values()].flatMap((state) => state.entries),
        ignored,
      );
    return { set: this.#set, changed, kept };
  }

  /**
   * Reads and parses a file whose identity changed, waiting for the verdicts on its RSA moduli until its budget
   * (`budgetMs` from now) or the scan's (`checksUntil`) runs out.
   */
  async #read(
    name: string,
    probe: Extract<EntryProbe, { kind: 'file' }>,
    before: FileState | undefined,
    kept: KeptFile[],
    budgetMs: number,
    checksUntil: number,
  ): Promise<FileState | undefined> {
    let read;
    try {
      read = await readBoundedFile(probe.path, MAX_KEY_FILE_BYTES, { noFollow: true });
    } catch (error) {
      // Under O_NOFOLLOW: the entry became a symbolic link after it was probed; the next scan follows it.
      if (errorCode(error) === 'ELOOP') return keep(name, 'became a symbolic link while it was read', before, kept);
      return failed(name, error, probe.identity, before, kept);
    }
    if (!read.ok && read.problem === 'changed') return keep(name, read.reason, before, kept);
    if (!read.ok) return adopt(before, { identity: probe.identity, entries: [refusedFile(name, read.reason)] });
    const deadline = Math.min(performance.now() + budgetMs, checksUntil);
    const entries = await parseKeyFile(name, read.bytes, this.#defaultAlg, (n) => this.#checks.examine(n, deadline));
    // One file's parse at a time holds the event loop; requests queued meanwhile are answered before the next.
    await yieldToEventLoop();
    const undecided = entries.filter((entry) => entry.status === 'refused' && entry.undecided === true).length;
    if (undecided > 0) {
      const keys = `${undecided} key${undecided === 1 ? '' : 's'}`;
      const budget = Number.isFinite(budgetMs) ? ` within ${budgetMs} ms` : '';
      return keep(name, `the RSA modulus checks of ${keys} did not finish${budget}; they go on`, before, kept);
    }
    const racy = Math.abs(Date.now() - read.stats.ctimeMs) < this.#racyWindowMs;
    return adopt(before, { identity: racy ? undefined : { tag: probe.identity.tag, version: read.stats }, entries });
  }
}

/** The state of an entry that is not a regular file to read: `undefined` when it contributes nothing. */
function settleUnread(
  name: string,
  probe: Exclude<EntryProbe, { kind: 'file' }>,
  before: FileState | undefined,
  kept: KeptFile[],
): FileState | undefined {
  switch (probe.kind) {
    case 'gone':
    case 'ignored':
      return undefined;
    case 'failed':
      return failed(name, probe.error, { tag: `error:${String(errorCode(probe.error))}`, version: undefined }, before, kept);
    case 'refused':
      return adopt(before, { identity: probe.identity, entries: [refusedFile(name, probe.reason)] });
    case 'unresolvable':
      // Like a deleted file, at once: a link loop is no half-written file to wait out.
      return { identity: probe.identity, entries: [refusedFile(name, probe.reason)] };
  }
}

/** Scans `dir` once (the CLI, the dev key): every file read and judged afresh. */
export async function scanKeysDir(dir: string, defaultAlg: KeyAlgorithm): Promise<KeySet> {
  const scan = await new KeyDirScanner(dir, defaultAlg).scan();
  // A fresh scanner's only scan is never superseded.
  return scan?.set ?? buildKeySet([]);
}

/**
 * `candidate` as the file's new state, unless it would drop keys the file published: then the previous result
 * stays, with `candidate` pending until a scan sees the same identity again.
 */
function adopt(before: FileState | undefined, candidate: Candidate): FileState {
  if (before === undefined || !publishes(before.entries) || publishes(candidate.entries)) return candidate;
  if (before.pending !== undefined && sameIdentity(before.pending.identity, candidate.identity)) return candidate;
  return { identity: before.identity, entries: before.entries, pending: candidate };
}

/** The state after a filesystem error: gone, kept (transient), or refused (permission and the like). */
function failed(
  name: string,
  error: unknown,
  identity: EntryIdentity,
  before: FileState | undefined,
  kept: KeptFile[],
): FileState | undefined {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  if (code !== undefined && TRANSIENT_ERROR_CODES.has(code)) return keep(name, `cannot be read right now (${code})`, before, kept);
  return adopt(before, { identity, entries: [refusedFile(name, `cannot be read: ${describeFsError(error)}`)] });
}

/**
 * Keeps the previous result of a file that could not be read this time; a file never read before shows as
 * refused for now. The identity is left as it was, so the next scan reads the file again.
 */
function keep(name: string, reason: string, before: FileState | undefined, kept: KeptFile[]): FileState {
  kept.push({ file: printable(name), reason });
  return before ?? { identity: undefined, entries: [refusedFile(name, `${reason}; retrying`)] };
}

function publishes(entries: readonly KeyEntry[]): boolean {
  return entries.some((entry) => entry.status === 'accepted');
}

/** The real path of `dir` and its entry names, sorted. Throws a {@link KeysDirError}. */
async function listDirectory(dir: string): Promise<{ readonly root: string; readonly listing: readonly string[] }> {
  try {
    // realpath(3) itself: the promise API calls it on the thread pool, where fs.realpath walks the path in JavaScript.
    const [root, listing] = await Promise.all([realpath(dir), readdir(dir)]);
    // Code-unit order, as the reports: the order `readdir` returns may differ between scans of the same directory.
    return { root, listing: listing.sort() };
  } catch (error) {
    throw new KeysDirError(`keys directory ${dir} cannot be read: ${describeFsError(error)}`, { cause: error });
  }
}

/** Calls `fn` on every item, at most `limit` calls pending at once. */
async function mapLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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
