/**
 * The key store: the JWKS document source. It scans `KEYS_DIR` at open, then again after every change the
 * directory watcher reports and every `rescanIntervalMs` (the fallback for network filesystems and missed
 * events), and tells subscribers only when the published set actually changed. Scans re-read only changed files
 * (see `key-dir.ts`), never overlap, and a scan that hangs (a filesystem that stopped answering) is given up
 * after {@link SCAN_TIMEOUT_INTERVALS} intervals so later ones still run; after
 * {@link STALE_AFTER_INTERVALS} intervals without a completed scan the set is reported stale.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-5 | RFC 7517 §5} (JWK Set)
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyAlgorithm } from '../config.js';
import type { DocumentSource } from '../documents/document-source.js';
import { KeysDirError, KeysUnavailableError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { printable } from '../rules/finding.js';
import { describeFsError, KeyDirScanner, type KeptFile, type KeyScan } from './key-dir.js';
import { buildKeySet, type KeyFileReport, type KeyRefusal, type KeySet } from './key-set.js';
import type { Jwks } from './public-jwk.js';
import { StatWorker } from './stat-worker.js';

/** How the store reads its directory. */
export interface KeyStoreOptions {
  /** `KEYS_DIR`, or the embedded development directory. */
  dir: string;
  /** `KEYS_DEFAULT_ALG`: the `alg` of keys that do not name one. */
  defaultAlg: KeyAlgorithm;
  /** `KEYS_RESCAN_INTERVAL_MS`: the periodic rescan. */
  rescanIntervalMs: number;
  logger: Logger;
  /** What reads the directory; default a {@link KeyDirScanner} of `dir`. Tests inject one that hangs or fails. */
  scanner?: { scan(): Promise<KeyScan | undefined> };
}

/** Figures for `/metrics` and `/readyz`. */
export interface KeyStoreStats {
  /** Keys in the current set. */
  readonly published: number;
  /** Successful scans that changed the published set, the first included. */
  readonly reloads: number;
  /** Scans in which the directory itself could not be read, or that did not finish and were given up. */
  readonly failures: number;
  /** End of the last scan that read the directory, changed or not. */
  readonly lastSuccessAt: Date | undefined;
  /** Keys refused in the current set (each key of each file counted once). */
  readonly refused: number;
  /** Why the set is stale (no completed scan for {@link STALE_AFTER_INTERVALS} intervals), or `undefined`. */
  readonly stale: string | undefined;
}

/**
 * A scan running for this many rescan intervals is given up: the next one starts, and its result wins. Its
 * filesystem calls may still be stuck in libuv's pool, so at most {@link MAX_ABANDONED_SCANS} are left behind.
 */
const SCAN_TIMEOUT_INTERVALS = 10;
/**
 * The key set is stale after this many rescan intervals without a completed scan (30 s at the default 1 s):
 * long enough that a filesystem hiccup does not flap readiness, far shorter than the publish-before-sign delay of
 * a rotation (`CACHE_MAX_AGE` plus the kubelet's sync period), so a replica that cannot see a new key leaves the
 * Service before anyone signs with that key.
 */
export const STALE_AFTER_INTERVALS = 30;
/** Hung scans left behind at most; beyond that no new scan starts until one of them ends. */
const MAX_ABANDONED_SCANS = 3;
/**
 * How long a scan's read of one file waits for the verdicts on its RSA moduli (at most the rescan interval; a scan
 * waits twice that in all): a 2048-bit key takes milliseconds, a 16384-bit one over a second. A file not judged in
 * time keeps its previous keys and is read again next scan, when its verdicts are cached, so a costly file never
 * holds up a scan, the other files' keys, or readiness.
 */
const CHECK_BUDGET_MS = 1000;
/**
 * The same budget at startup, when nothing is published yet: generous, so that the first set holds every valid key
 * even on a loaded machine (where the first check also builds the product of the small primes), as `keys check`
 * would say; a costly file delays the boot by at most twice that, then is judged in the background.
 */
const FIRST_CHECK_BUDGET_MS = 10_000;
/** Names of newly ignored files logged per scan at most; the others are counted in one more line. */
const IGNORED_LOGGED_PER_SCAN = 20;

/**
 * Watch events come in bursts (a copy is several writes, a Kubernetes update several renames); one scan after
 * the burst settles avoids reading half-written files, well within the 2 s a change may take to show.
 */
const WATCH_SETTLE_MS = 100;

/** The published JWKS, kept in step with a keys directory. */
export class KeyStore implements DocumentSource<Jwks> {
  readonly #options: KeyStoreOptions;
  readonly #scanner: { scan(): Promise<KeyScan | undefined> };
  /** Where the rescans' `lstat`s run (see `stat-worker.ts`). */
  readonly #statWorker = new StatWorker();
  readonly #listeners = new Set<() => void>();
  #set: KeySet = buildKeySet([]);
  /** The published bytes: equal sets serialize equally (`buildKeySet`), which is how a change is detected. */
  #serialized = JSON.stringify(this.#set.jwks);
  /** Problems already logged, so a problem that persists across scans is logged once. */
  #loggedRefusals = new Set<string>();
  #loggedKept = new Set<string>();
  #loggedIgnored = new Set<string>();
  #dirFailing = false;
  #reloads = 0;
  #failures = 0;
  #lastSuccessAt: Date | undefined;
  #staleLogged = false;
  #running: Promise<void> | undefined;
  #runningSince = 0;
  #abandoned = 0;
  /** Calls waiting for the next scan to start and complete. */
  #waiting: Array<() => void> = [];
  /** Calls waiting for the running scan. */
  #attached: Array<() => void> = [];
  /** Whether a scan was asked for since the running one started. */
  #requested = false;
  #watcher: FSWatcher | undefined;
  /** `dev:ino` of the directory being watched: a directory replaced by a new one needs a new watcher. */
  #watchedIdentity: string | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #rescanTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #watchWarned = false;

  private constructor(options: KeyStoreOptions) {
    this.#options = options;
    this.#scanner =
      options.scanner ??
      new KeyDirScanner(options.dir, options.defaultAlg, {
        statMany: this.#statWorker.stat,
        checkBudgetMs: Math.min(CHECK_BUDGET_MS, options.rescanIntervalMs),
        firstCheckBudgetMs: FIRST_CHECK_BUDGET_MS,
      });
  }

  /**
   * Performs the first scan, then starts watching. Throws a {@link KeysDirError} when `dir` is not a readable
   * directory: at startup that is a configuration error, not something to wait out. An empty directory is not
   * an error here; {@link KeyStore.current} answers {@link KeysUnavailableError} until a key appears.
   */
  static async open(options: KeyStoreOptions): Promise<KeyStore> {
    const store = new KeyStore(options);
    let scan: KeyScan | undefined;
    try {
      scan = await store.#scanner.scan();
    } catch (error) {
      store.close();
      throw error;
    }
    if (scan !== undefined) store.#apply(scan);
    await store.#rewatch();
    store.#rescanTimer = setInterval(() => store.#request(), options.rescanIntervalMs);
    store.#rescanTimer.unref();
    return store;
  }

  /** The published set. Throws {@link KeysUnavailableError} while it holds no key. */
  current(): Jwks {
    if (this.#set.jwks.keys.length === 0) throw new KeysUnavailableError();
    return this.#set.jwks;
  }

  /** Calls `listener` after each change of the published set; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get stats(): KeyStoreStats {
    return {
      published: this.#set.jwks.keys.length,
      reloads: this.#reloads,
      failures: this.#failures,
      lastSuccessAt: this.#lastSuccessAt,
      refused: this.#set.reports.filter((report) => report.status === 'refused').length,
      stale: this.staleness(),
    };
  }

  /**
   * Why the published set may be out of date: no scan completed for {@link STALE_AFTER_INTERVALS} rescan
   * intervals. `undefined` while scans complete. Readiness reports it.
   */
  staleness(): string | undefined {
    const now = Date.now();
    const last = this.#lastSuccessAt?.getTime();
    const limit = STALE_AFTER_INTERVALS * this.#options.rescanIntervalMs;
    if (last === undefined || now - last <= limit) return undefined;
    return `keys: no scan of ${this.#options.dir} completed for ${Math.round((now - last) / 1000)} s (limit ${limit / 1000} s); the published key set may be stale`;
  }

  /** One report per key of every key file, as of the last successful scan, ordered by file. */
  get files(): readonly KeyFileReport[] {
    return this.#set.reports;
  }

  /**
   * Rescans now (tests, SIGHUP). Scans never overlap: a call during a scan resolves after one more scan that
   * starts when the current one ends, so it sees every change made before the call. Never rejects. A scan that
   * has hung for {@link SCAN_TIMEOUT_INTERVALS} intervals is given up (its waiters wait for the next one).
   */
  reload(): Promise<void> {
    const done = new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#request();
    return done;
  }

  /**
   * Asks for a scan without waiting for it (the timer, the watcher): one starts now, or after the running one,
   * or now in its place when it has hung.
   */
  #request(): void {
    this.#checkStaleness();
    if (this.#running !== undefined && this.#hung()) this.#abandon();
    this.#requested = true;
    if (this.#running === undefined) this.#start();
  }

  /** Stops the watcher and the timers. Idempotent; a scan already running still completes. */
  close(): void {
    this.#closed = true;
    this.#statWorker.close();
    clearInterval(this.#rescanTimer);
    clearTimeout(this.#settleTimer);
    this.#unwatch();
  }

  /** Whether the running scan has gone past {@link SCAN_TIMEOUT_INTERVALS} intervals. */
  #hung(): boolean {
    return Date.now() - this.#runningSince > SCAN_TIMEOUT_INTERVALS * this.#options.rescanIntervalMs;
  }

  /** Starts a scan for everyone waiting; when it ends, starts the next one if calls came in meanwhile. */
  #start(): void {
    const waiters = this.#waiting.splice(0);
    this.#attached = waiters;
    this.#requested = false;
    const running = this.#scan().finally(() => {
      // A scan given up on: its waiters moved on to the next one.
      if (this.#running !== running) return;
      this.#running = undefined;
      for (const resolve of waiters) resolve();
      if (this.#requested) this.#start();
    });
    this.#running = running;
    this.#runningSince = Date.now();
  }

  /** Gives up waiting for the running scan (its result will be ignored), unless too many hung ones are left. */
  #abandon(): void {
    const running = this.#running;
    if (running === undefined || this.#abandoned >= MAX_ABANDONED_SCANS) return;
    this.#waiting.push(...this.#attached.splice(0));
    const { dir, logger } = this.#options;
    this.#abandoned += 1;
    this.#failures += 1;
    logger.error(
      { dir, seconds: Math.round((Date.now() - this.#runningSince) / 1000), abandoned: this.#abandoned },
      'keys directory scan did not finish; starting another (a file or the filesystem may have stopped answering)',
    );
    void running.finally(() => {
      this.#abandoned -= 1;
    });
    this.#running = undefined;
  }

  /** Logs once when the set turns stale, and once when it is fresh again. */
  #checkStaleness(): void {
    const stale = this.staleness();
    if ((stale !== undefined) === this.#staleLogged) return;
    this.#staleLogged = stale !== undefined;
    if (stale === undefined) this.#options.logger.info({ dir: this.#options.dir }, 'keys directory scanned again; the key set is current');
    else this.#options.logger.error({ dir: this.#options.dir, reason: stale }, 'key set is stale');
  }

  async #scan(): Promise<void> {
    const { dir, logger } = this.#options;
    let scan: KeyScan | undefined;
    try {
      scan = await this.#scanner.scan();
    } catch (error) {
      this.#failures += 1;
      if (!this.#dirFailing) {
        this.#dirFailing = true;
        const reason = error instanceof KeysDirError ? error.message : describeFsError(error);
        logger.error({ dir, reason, keptKeys: this.#set.jwks.keys.length }, 'keys directory cannot be read; keeping the last good key set');
      }
      return;
    }
    // Superseded by a scan started after this one was given up on: that one's view wins.
    if (scan === undefined) return;
    if (this.#dirFailing) {
      this.#dirFailing = false;
      logger.info({ dir }, 'keys directory readable again');
    }
    this.#apply(scan);
    this.#checkStaleness();
    await this.#rewatch();
  }

  /** Adopts a scan's result: logs new problems, and notifies subscribers when the published bytes changed. */
  #apply(scan: KeyScan): void {
    const { dir, logger } = this.#options;
    const { set } = scan;
    this.#lastSuccessAt = new Date();
    this.#logKept(scan.kept);
    // Nothing was re-read or dropped: the set is the previous object, and so are its bytes.
    if (!scan.changed && this.#reloads > 0) return;
    this.#logRefusals(set.refusals);
    this.#logIgnored(set);
    const serialized = JSON.stringify(set.jwks);
    const previous = this.#set;
    this.#set = set;
    const first = this.#reloads === 0;
    if (!first && serialized === this.#serialized) return;
    this.#serialized = serialized;
    this.#reloads += 1;
    const kids = set.jwks.keys.map((key) => key.kid);
    if (kids.length === 0) {
      logger.error({ dir }, 'no valid key in the keys directory; the JWKS endpoint answers 500 until one is added');
    } else {
      logger.info({ dir, kids, previous: previous.jwks.keys.map((key) => key.kid) }, 'keys published');
    }
    if (first) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        // One failing subscriber must not keep the others on a stale key set.
        logger.error({ err: error }, 'key set subscriber failed');
      }
    }
  }

  #logRefusals(refusals: readonly KeyRefusal[]): void {
    const { dir, logger } = this.#options;
    const current = new Set<string>();
    for (const refusal of refusals) {
      const id = JSON.stringify([refusal.files, refusal.kid, refusal.reason]);
      current.add(id);
      if (this.#loggedRefusals.has(id)) continue;
      const files = refusal.files.map((file) => printable(join(dir, file)));
      const where = files.length === 1 ? { file: files[0] } : { files };
      logger.warn({ ...where, kid: refusal.kid, reason: refusal.reason }, 'key refused');
    }
    this.#loggedRefusals = current;
  }

  /** Logs each entry ignored for its name once, for as long as it stays (`IGNORED_LOGGED_PER_SCAN` per scan). */
  #logIgnored({ ignored }: KeySet): void {
    const { dir, logger } = this.#options;
    const fresh = ignored.filter((entry) => !this.#loggedIgnored.has(entry.file));
    for (const { file, reason } of fresh.slice(0, IGNORED_LOGGED_PER_SCAN)) {
      logger.info({ file: printable(join(dir, file)), reason }, 'file in the keys directory ignored');
    }
    if (fresh.length > IGNORED_LOGGED_PER_SCAN) {
      logger.info({ dir, count: fresh.length - IGNORED_LOGGED_PER_SCAN }, 'more files in the keys directory ignored');
    }
    this.#loggedIgnored = new Set(ignored.map((entry) => entry.file));
  }

  /** Logs each file whose previous result was kept, once per streak of such scans. */
  #logKept(kept: readonly KeptFile[]): void {
    const { dir, logger } = this.#options;
    const current = new Set<string>();
    for (const { file, reason } of kept) {
      const id = `${file}\u0000${reason}`;
      current.add(id);
      if (!this.#loggedKept.has(id))
        logger.warn({ file: join(dir, file), reason }, 'key file not read this scan; keeping its previous result');
    }
    this.#loggedKept = current;
  }

  /** Watches the directory, again if it was replaced (deleted and recreated, or a symlinked dir swapped). */
  async #rewatch(): Promise<void> {
    if (this.#closed) return;
    let identity: string;
    try {
      const info = await stat(this.#options.dir);
      identity = `${info.dev}:${info.ino}`;
    } catch {
      return;
    }
    if (this.#closed || (this.#watcher !== undefined && identity === this.#watchedIdentity)) return;
    this.#unwatch();
    try {
      const watcher = watch(this.#options.dir, { persistent: false }, () => this.#settleThenReload());
      watcher.on('error', () => {
        // Typically the directory was deleted; the periodic rescan notices and watches its successor.
        if (this.#watcher === watcher) this.#unwatch();
      });
      this.#watcher = watcher;
      this.#watchedIdentity = identity;
    } catch (error) {
      if (this.#watchWarned) return;
      this.#watchWarned = true;
      this.#options.logger.warn(
        { dir: this.#options.dir, reason: describeFsError(error) },
        'cannot watch the keys directory; relying on the periodic rescan',
      );
    }
  }

  #unwatch(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#watchedIdentity = undefined;
  }

  #settleThenReload(): void {
    if (this.#closed) return;
    clearTimeout(this.#settleTimer);
    this.#settleTimer = setTimeout(() => this.#request(), WATCH_SETTLE_MS);
    this.#settleTimer.unref();
  }
}
