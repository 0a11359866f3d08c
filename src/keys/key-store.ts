/**
 * The key store: the JWKS document source. It scans `KEYS_DIR` at open, then again after every change the
 * directory watcher reports and every `rescanIntervalMs` (the fallback for network filesystems and missed
 * events), and tells subscribers only when the published set actually changed.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-5 | RFC 7517 §5} (JWK Set)
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyAlgorithm } from '../config.js';
import type { DocumentSource } from '../contract/document-source.js';
import { KeysDirError, KeysUnavailableError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { describeFsError, scanKeysDir } from './key-dir.js';
import { buildKeySet, serializeJwks, type KeyFileReport, type KeyRefusal, type KeySet } from './key-set.js';
import type { Jwks } from './public-jwk.js';

export type { Jwks } from './public-jwk.js';
export type { KeyFileReport } from './key-set.js';

/** How the store reads its directory. */
export interface KeyStoreOptions {
  /** `KEYS_DIR`, or the embedded development directory. */
  dir: string;
  /** `KEYS_DEFAULT_ALG`: the `alg` of keys that do not name one. */
  defaultAlg: KeyAlgorithm;
  /** `KEYS_RESCAN_INTERVAL_MS`: the periodic rescan. */
  rescanIntervalMs: number;
  logger: Logger;
}

/** Figures for `/metrics` and `/readyz`. */
export interface KeyStoreStats {
  /** Keys in the current set. */
  readonly published: number;
  /** Successful scans that changed the published set, the first included. */
  readonly reloads: number;
  /** Scans in which the directory itself could not be read. */
  readonly failures: number;
  /** End of the last scan that read the directory, changed or not. */
  readonly lastSuccessAt: Date | undefined;
}

/**
 * Watch events come in bursts (a copy is several writes, a Kubernetes update several renames); one scan after
 * the burst settles avoids reading half-written files, well within the 2 s a change may take to show.
 */
const WATCH_SETTLE_MS = 100;

/** The published JWKS, kept in step with a keys directory. */
export class KeyStore implements DocumentSource<Jwks> {
  readonly #options: KeyStoreOptions;
  readonly #listeners = new Set<() => void>();
  #set: KeySet = buildKeySet([]);
  #serialized = serializeJwks(this.#set.jwks);
  /** Problems already logged, so a problem that persists across scans is logged once. */
  #loggedRefusals = new Set<string>();
  #dirFailing = false;
  #reloads = 0;
  #failures = 0;
  #lastSuccessAt: Date | undefined;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #watcher: FSWatcher | undefined;
  /** `dev:ino` of the directory being watched: a directory replaced by a new one needs a new watcher. */
  #watchedIdentity: string | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #rescanTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #watchWarned = false;

  private constructor(options: KeyStoreOptions) {
    this.#options = options;
  }

  /**
   * Performs the first scan, then starts watching. Throws a {@link KeysDirError} when `dir` is not a readable
   * directory: at startup that is a configuration error, not something to wait out. An empty directory is not
   * an error here; {@link KeyStore.current} answers {@link KeysUnavailableError} until a key appears.
   */
  static async open(options: KeyStoreOptions): Promise<KeyStore> {
    const store = new KeyStore(options);
    const set = await scanKeysDir(options.dir, options.defaultAlg);
    store.#apply(set);
    await store.#rewatch();
    store.#rescanTimer = setInterval(() => void store.reload(), options.rescanIntervalMs);
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
    return { published: this.#set.jwks.keys.length, reloads: this.#reloads, failures: this.#failures, lastSuccessAt: this.#lastSuccessAt };
  }

  /** One report per key of every key file, as of the last successful scan, ordered by file. */
  get files(): readonly KeyFileReport[] {
    return this.#set.reports;
  }

  /**
   * Rescans now (tests, SIGHUP). Scans never overlap: a call during a scan resolves after one more scan that
   * starts when the current one ends, so it sees every change made before the call. Never rejects.
   */
  reload(): Promise<void> {
    if (this.#running === undefined) {
      this.#running = this.#scan().finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    this.#queued ??= this.#running.then(() => {
      this.#queued = undefined;
      return this.reload();
    });
    return this.#queued;
  }

  /** Stops the watcher and the timers. Idempotent; a scan already running still completes. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#rescanTimer);
    clearTimeout(this.#settleTimer);
    this.#unwatch();
  }

  async #scan(): Promise<void> {
    const { dir, defaultAlg, logger } = this.#options;
    let set: KeySet;
    try {
      set = await scanKeysDir(dir, defaultAlg);
    } catch (error) {
      this.#failures += 1;
      if (!this.#dirFailing) {
        this.#dirFailing = true;
        const reason = error instanceof KeysDirError ? error.message : describeFsError(error);
        logger.error({ dir, reason, keptKeys: this.#set.jwks.keys.length }, 'keys directory cannot be read; keeping the last good key set');
      }
      return;
    }
    if (this.#dirFailing) {
      this.#dirFailing = false;
      logger.info({ dir }, 'keys directory readable again');
    }
    this.#apply(set);
    await this.#rewatch();
  }

  /** Adopts a scan's result: logs new problems, and notifies subscribers when the published bytes changed. */
  #apply(set: KeySet): void {
    const { dir, logger } = this.#options;
    this.#lastSuccessAt = new Date();
    this.#logRefusals(set.refusals);
    const serialized = serializeJwks(set.jwks);
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
      const files = refusal.files.map((file) => join(dir, file));
      const where = files.length === 1 ? { file: files[0] } : { files };
      logger.warn({ ...where, kid: refusal.kid, reason: refusal.reason }, 'key refused');
    }
    this.#loggedRefusals = current;
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
      this.#options.logger.warn({ dir: this.#options.dir, reason: describeFsError(error) }, 'cannot watch the keys directory; relying on the periodic rescan');
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
    this.#settleTimer = setTimeout(() => void this.reload(), WATCH_SETTLE_MS);
    this.#settleTimer.unref();
  }
}
