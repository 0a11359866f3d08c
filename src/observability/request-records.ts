/**
 * The request log line and the request metrics of every answered request, taken per request and written per batch.
 *
 * Per request, {@link RequestRecords.add} keeps the request's record. The log lines and the
 * metric observations are produced by {@link RequestRecords.flush}, for a whole batch in one loop: when
 * {@link BATCH_RECORDS} requests are pending, {@link FLUSH_MS} after the first of a batch, before the registry is
 * read (a scrape sees every request answered before it) and at shutdown. Writing each line as its request was
 * answered measured ~4 % more of the server's CPU per request than writing the same lines in batches (ours and the
 * minimal Koa app loaded at once on one core, new processes every round): between two requests the kernel's
 * network path and the HTTP parser run, and the code and data of a once-per-request step are mostly out of the
 * CPU's caches by the next one. What is written is unchanged: one line per request, byte for byte pino's, with
 * the time the answer was ready.
 *
 * An answer of 500 or more is logged at once, with its cause (after the pending lines, so the log stays in order).
 */
import type { HttpError } from '../errors.js';
import { requestLineWriter, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** Requests held before their lines are written ... */
const BATCH_RECORDS = 128;
/** ... or this many milliseconds after the first of them (the stdout batch adds its own, see `logger.ts`). */
const FLUSH_MS = 50;

/** What one answered request is recorded with. */
export interface RequestRecord {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** The route label of the metrics: the path template of `openapi.json`, or a fixed label. */
  readonly route: string;
  readonly status: number;
  /** `performance.now()` when the request reached the application, and when its answer was ready. */
  readonly startedMs: number;
  readonly endedMs: number;
  /** The error answered, logged with its cause when the status is 500 or more. */
  readonly error?: HttpError | undefined;
}

/** Pending request records of one listener. */
export class RequestRecords {
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #writeLine: ReturnType<typeof requestLineWriter>;
  readonly #onWriteError: (error: unknown) => void;
  #pending: RequestRecord[] = [];
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param onWriteError Told when writing a line throws (a full or closed stdout). The answer was sent long
   *   before; the batch's other lines and its metrics are still recorded.
   */
  constructor(logger: Logger, metrics: Metrics, onWriteError: (error: unknown) => void) {
    this.#logger = logger;
    this.#metrics = metrics;
    this.#writeLine = requestLineWriter(logger);
    this.#onWriteError = onWriteError;
    metrics.beforeCollect(() => this.flush());
  }

  /** Records one answered request. */
  add(record: RequestRecord): void {
    if (record.status >= 500) {
      this.#failed(record);
      return;
    }
    this.#pending.push(record);
    if (this.#pending.length === BATCH_RECORDS) this.flush();
    else if (this.#timer === undefined) this.#timer = setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  /** Writes the pending lines and observes their metrics, now. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    // performance.now() is monotonic; the wall clock it maps to is read once per batch.
    const wallOffsetMs = Date.now() - performance.now();
    for (const { requestId, method, path, route, status, startedMs, endedMs } of batch) {
      const ms = endedMs - startedMs;
      this.#metrics.observeRequest(route, method, status, ms / 1e3);
      try {
        this.#writeLine({ requestId, method, path, status, durationMs: roundMs(ms) }, wallOffsetMs + endedMs);
      } catch (error) {
        this.#onWriteError(error);
      }
    }
  }

  /** A 5xx: the pending lines first, then this one with its cause. */
  #failed(record: RequestRecord): void {
    this.flush();
    const ms = record.endedMs - record.startedMs;
    this.#metrics.observeRequest(record.route, record.method, record.status, ms / 1e3);
    const { requestId, method, path, status, error } = record;
    try {
      this.#logger.error({ requestId, method, path, status, durationMs: roundMs(ms), err: error?.cause ?? error }, 'request failed');
    } catch (thrown) {
      this.#onWriteError(thrown);
    }
  }
}

/** Milliseconds to the microsecond, as logged. */
function roundMs(ms: number): number {
  return Math.round(ms * 1e3) / 1e3;
}
