/**
 * The costly part of judging an RSA key: the verdict on its modulus (`src/rules/rsa-key.ts`: small factors,
 * perfect powers, primality). Measured on this project's shared 2-core machine, per modulus: 7 to 17 ms at 2048
 * bits and 30 to 90 ms at 4096, but 70 to 130 ms of the event loop and 1.3 to 3.7 s of a thread-pool thread at
 * 16384. A file of a hundred 16384-bit keys would cost minutes; scans that waited for it were given up and rerun from scratch, so no
 * scan completed and readiness failed. Here:
 *
 * - each distinct modulus is examined once: verdicts are cached (the {@link CACHE_SIZE} most recent) across scans,
 *   and a modulus asked for while being examined waits for that examination;
 * - examinations run at most {@link MAX_RUNNING} at once on libuv's four-thread pool, so the scans' filesystem
 *   calls always find a free thread, and at most one of them on a large modulus: small ones (a new 2048-bit key)
 *   never queue behind a 16384-bit one;
 * - a caller waits for a verdict only until its deadline (the key store gives each file a budget); past it the
 *   examination goes on, and the file is read again at the next scan, when the verdict is cached.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { modulusStructureProblem, primeProblemOffThread, type ModulusProblem, type ModulusVerdict } from '../rules/rsa-key.js';

/** Works out the verdict on a modulus; `undefined` when it is not known by the caller's deadline. */
export type ExamineModulus = (n: bigint) => Promise<ModulusVerdict>;

/** Verdicts remembered, most recently used first out last: 100 files of 40 distinct keys. About 100 bytes each. */
const CACHE_SIZE = 4096;
/** Examinations queued at most; a modulus beyond that is not queued, and its file is read again next scan. */
const MAX_QUEUED = 1000;
/** Examinations running at once: half of libuv's default thread pool. */
const MAX_RUNNING = 2;
/** Moduli above this many bits are large (one primality test costs over 100 ms); one runs at a time. */
const LARGE_MODULUS_BITS = 4096;

/** How a {@link ModulusChecks} examines, beyond the defaults. */
export interface ModulusChecksOptions {
  /**
   * The primality part of the verdict, after the structure checks passed; default OpenSSL's test on libuv's thread
   * pool. Tests pass one that counts calls or holds its answer.
   */
  readonly primeProblem?: (n: bigint) => Promise<ModulusProblem | undefined>;
}

/** An examination waiting for a slot. */
interface Job {
  readonly n: bigint;
  readonly large: boolean;
  resolve(problem: ModulusProblem | undefined): void;
  reject(error: unknown): void;
}

/** Verdicts on RSA moduli, cached, queued and bounded as described above. */
export class ModulusChecks {
  readonly #primeProblem: (n: bigint) => Promise<ModulusProblem | undefined>;
  /** Cached verdicts by modulus digest; `null` for "no problem". Insertion order is recency order. */
  readonly #verdicts = new Map<string, ModulusProblem | null>();
  /** Examinations queued or running, by modulus digest. */
  readonly #inProgress = new Map<string, Promise<ModulusProblem | undefined>>();
  readonly #small: Job[] = [];
  readonly #large: Job[] = [];
  #running = 0;
  #runningLarge = 0;

  constructor(options: ModulusChecksOptions = {}) {
    this.#primeProblem = options.primeProblem ?? primeProblemOffThread;
  }

  /**
   * The verdict on `n`, waiting for it until `deadline` (a `performance.now()` time; by default as long as it
   * takes). Resolves with `undefined` past the deadline, or when the queue is full; the examination started
   * meanwhile goes on and caches its verdict. Rejects when the examination fails.
   */
  async examine(n: bigint, deadline = Number.POSITIVE_INFINITY): Promise<ModulusVerdict> {
    const key = digest(n);
    const known = this.#verdicts.get(key);
    if (known !== undefined) {
      this.#verdicts.delete(key);
      this.#verdicts.set(key, known);
      return { problem: known ?? undefined };
    }
    const examination = this.#inProgress.get(key) ?? this.#enqueue(key, n);
    if (examination === undefined) return undefined;
    if (deadline === Number.POSITIVE_INFINITY) return { problem: await examination };
    return withDeadline(examination, deadline);
  }

  /** Queues the examination of `n`; `undefined` when the queue is full. */
  #enqueue(key: string, n: bigint): Promise<ModulusProblem | undefined> | undefined {
    if (this.#small.length + this.#large.length >= MAX_QUEUED) return undefined;
    const large = n >= 1n << BigInt(LARGE_MODULUS_BITS);
    const examination = new Promise<ModulusProblem | undefined>((resolve, reject) =>
      (large ? this.#large : this.#small).push({ n, large, resolve, reject }),
    );
    this.#inProgress.set(key, examination);
    examination.then(
      (problem) => this.#remember(key, problem),
      () => this.#inProgress.delete(key),
    );
    this.#next();
    return examination;
  }

  #remember(key: string, problem: ModulusProblem | undefined): void {
    this.#inProgress.delete(key);
    this.#verdicts.set(key, problem ?? null);
    if (this.#verdicts.size > CACHE_SIZE) this.#verdicts.delete(this.#verdicts.keys().next().value ?? '');
  }

  /** Starts queued examinations while slots are free: small moduli first, a large one only if none is running. */
  #next(): void {
    while (this.#running < MAX_RUNNING) {
      const job = this.#small.shift() ?? (this.#runningLarge === 0 ? this.#large.shift() : undefined);
      if (job === undefined) return;
      this.#running += 1;
      if (job.large) this.#runningLarge += 1;
      void this.#run(job).finally(() => {
        this.#running -= 1;
        if (job.large) this.#runningLarge -= 1;
        this.#next();
      });
    }
  }

  async #run(job: Job): Promise<void> {
    try {
      // The structure checks hold the event loop (up to ~70 ms at 16384 bits): one per turn, never back to back.
      await yieldToEventLoop();
      job.resolve(modulusStructureProblem(job.n) ?? (await this.#primeProblem(job.n)));
    } catch (error) {
      job.reject(error);
    }
  }
}

/** The verdict when `examination` settles before `deadline`, else `undefined`. */
async function withDeadline(examination: Promise<ModulusProblem | undefined>, deadline: number): Promise<ModulusVerdict> {
  const remaining = deadline - performance.now();
  if (remaining <= 0) return undefined;
  const settled = new AbortController();
  try {
    // A pending deadline alone does not keep a process alive (`ref: false`); the examination it waits for does.
    const timeout = sleep(remaining, undefined, { ref: false, signal: settled.signal });
    return await Promise.race([examination.then((problem) => ({ problem })), timeout]);
  } finally {
    // The race has settled: the timer goes (its rejection is the race's, already handled).
    settled.abort();
  }
}

/** A short, fixed-size cache key for a modulus of up to 16384 bits. */
function digest(n: bigint): string {
  return createHash('sha256').update(n.toString(16)).digest('base64');
}

/** The default of one-off reads (the CLI): every modulus examined as above, however long it takes. */
const unbounded = new ModulusChecks();

/** {@link ExamineModulus} without a deadline, through one shared {@link ModulusChecks}. */
export const examineWithoutDeadline: ExamineModulus = (n) => unbounded.examine(n);
