/**
 * `lstat` of many paths, for the probes of every rescan. Two ways, same answers:
 *
 * - {@link lstatAsync}: libuv's thread pool, one request per path. Fine for a scan now and then (the CLI);
 * - {@link StatWorker}: for long lists, one worker thread that calls `lstatSync` on the whole list and sends back
 *   six numbers per path. The key store rescans every second, and a thread-pool `lstat` costs two to three times
 *   the CPU of a plain one (hand-offs, wake-ups, a `Stats` object with four `Date`s on the event loop): with a
 *   thousand key files that alone was a percent of a core at idle. Short lists (a handful of keys, the usual
 *   directory) go through the thread pool: there that overhead is a few microseconds a second, while a worker
 *   costs tens of milliseconds to start (on the startup scan, before the first answer) and a second V8 isolate
 *   for as long as it lives. The event loop never waits on the filesystem either way; a worker stuck in a hung
 *   filesystem is replaced at the next request.
 */
import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { FileVersion } from '../bounded-file.js';
import { errorCode } from '../errors.js';

/** What `lstat` told of one path: its type bits and version, or the error code. */
export type PathStat = { readonly error: string } | (FileVersion & { readonly error?: undefined; readonly mode: number });

/** `lstat` of every path, in order. */
export type StatMany = (paths: readonly string[]) => Promise<PathStat[]>;

/** The members of `Stats` a {@link PathStat} keeps. */
export function pathStat(
  stats: Pick<Stats, 'mode' | 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>,
): Exclude<PathStat, { readonly error: string }> {
  return { mode: stats.mode, dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

/** Through libuv's thread pool, every request at once. */
export const lstatAsync: StatMany = (paths) =>
  Promise.all(paths.map((path) => lstat(path).then(pathStat, (error: unknown) => ({ error: errorCode(error) ?? 'EIO' }))));

/**
 * Lists shorter than this are `lstat`ed through the thread pool. Measured on this project's 2-core machine: a
 * worker adds ~8 MB of resident memory and ~70 ms before the first scan completes; the pool's overhead on 64
 * paths a second is below 0.1 % of a core.
 */
const WORKER_MIN_PATHS = 64;

/** Numbers per path in the worker's answer: mode, dev, ino, size, mtimeMs, ctimeMs. */
const FIELDS = 6;

/**
 * The worker's code, plain CommonJS with Node built-ins only, so that it runs the same from the bundle, under
 * tsx and under vitest. `throwIfNoEntry: false` spares an exception per vanished file.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { lstatSync } = require('node:fs');
parentPort.on('message', ({ id, paths }) => {
  const numbers = new Float64Array(paths.length * ${FIELDS});
  const errors = {};
  paths.forEach((path, index) => {
    try {
      const s = lstatSync(path, { throwIfNoEntry: false });
      if (s === undefined) errors[index] = 'ENOENT';
      else numbers.set([s.mode, s.dev, s.ino, s.size, s.mtimeMs, s.ctimeMs], index * ${FIELDS});
    } catch (error) {
      errors[index] = typeof error.code === 'string' ? error.code : 'EIO';
    }
  });
  parentPort.postMessage({ id, numbers, errors }, [numbers.buffer]);
});`;

interface Answer {
  readonly id: number;
  readonly numbers: Float64Array;
  readonly errors: Readonly<Record<number, string>>;
}

/** A request the worker has not answered yet. */
interface Pending {
  readonly id: number;
  readonly paths: readonly string[];
  resolve(stats: PathStat[]): void;
}

/**
 * A worker thread answering {@link StatMany} requests of at least {@link WORKER_MIN_PATHS} paths one at a time
 * (shorter ones go to {@link lstatAsync}); started on the first long request, stopped when requests turn short,
 * keeps the process alive only while it owes an answer.
 */
export class StatWorker {
  #worker: Worker | undefined;
  #next = 0;
  #pending: Pending | undefined;

  /** {@link StatMany} on the worker. A request made while the last is still unanswered (a hung filesystem) gets a new worker. */
  readonly stat: StatMany = (paths) => {
    if (paths.length < WORKER_MIN_PATHS) {
      // The directory shrank: an idle worker would only hold its memory. A busy one is left to answer or hang.
      if (this.#pending === undefined && this.#worker !== undefined) this.#replace();
      return lstatAsync(paths);
    }
    // The unanswered request belongs to a scan the store gave up on: it stays unanswered.
    if (this.#pending !== undefined) this.#replace();
    const worker = this.#start();
    this.#next += 1;
    const id = this.#next;
    return new Promise((resolve) => {
      this.#pending = { id, resolve, paths };
      // Like a pending filesystem call, a pending request keeps the process alive; an idle worker does not.
      worker.ref();
      worker.postMessage({ id, paths });
    });
  };

  /** Stops the worker; a request it has not answered is answered through the thread pool. */
  close(): void {
    const pending = this.#replace();
    if (pending !== undefined) void lstatAsync(pending.paths).then((stats) => pending.resolve(stats));
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (answer: Answer) => this.#answer(answer));
    worker.on('error', () => {
      // A worker that died answers through the thread pool instead, and the next request starts a new one.
      if (this.#worker === worker) this.close();
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #answer({ id, numbers, errors }: Answer): void {
    const pending = this.#pending;
    if (pending === undefined || pending.id !== id) return;
    this.#pending = undefined;
    this.#worker?.unref();
    pending.resolve(
      pending.paths.map((_, index) => {
        const error = errors[index];
        if (error !== undefined) return { error };
        const [mode = 0, dev = 0, ino = 0, size = 0, mtimeMs = 0, ctimeMs = 0] = numbers.subarray(index * FIELDS, index * FIELDS + FIELDS);
        return { mode, dev, ino, size, mtimeMs, ctimeMs };
      }),
    );
  }

  /** Stops and forgets the current worker; returns its unanswered request, if any. */
  #replace(): Pending | undefined {
    const pending = this.#pending;
    void this.#worker?.terminate();
    this.#worker = undefined;
    this.#pending = undefined;
    return pending;
  }
}
