/**
 * The server's stdout, written in batches: lines are collected and written with one `write(2)` per ~4 KiB (about
 * 20 request lines), or at the latest {@link FLUSH_MS} after the first line of a batch, so a quiet server's lines
 * are not held back. Writes are synchronous and in order.
 *
 * Not pino's own destination (sonic-boom): in batching mode it measures the byte length of the whole pending batch
 * on every write (flattening it), which made writing a request line cost more than building it.
 */
import { writeSync } from 'node:fs';

/** A batch is written when it holds this many characters ... */
const BATCH_CHARS = 4096;
/** ... or this many milliseconds after its first line. */
const FLUSH_MS = 100;

/** One `Atomics.wait` cell, to sleep between retries of a write the descriptor is not ready for. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Lines for a file descriptor, batched. */
export class BatchedOutput {
  readonly #fd: number;
  #lines: string[] = [];
  #chars = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Queues `line` (pino's destination interface); writes the batch when it is full. */
  write(line: string): boolean {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= BATCH_CHARS) this.flushSync();
    else if (this.#timer === undefined) this.#timer = setTimeout(() => this.flushSync(), FLUSH_MS).unref();
    return true;
  }

  /** Writes everything queued now. Throws what the write throws (e.g. `EPIPE` when stdout is gone). */
  flushSync(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#lines.length === 0) return;
    const data = Buffer.from(this.#lines.join(''));
    this.#lines = [];
    this.#chars = 0;
    let written = 0;
    while (written < data.length) {
      try {
        written += writeSync(this.#fd, data, written);
      } catch (error) {
        // A non-blocking pipe whose reader is behind: wait a millisecond and write the rest.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        Atomics.wait(PAUSE, 0, 0, 1);
      }
    }
  }
}
