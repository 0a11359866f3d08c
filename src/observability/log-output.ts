/**
 * Where the server process's log lines go: `process.stdout`, the one destination every logger of the process
 * shares. On a pipe or a socket (a container runtime, `| head`, a log shipper) it is a libuv stream on the event
 * loop: each line is written as it is logged, the part a full pipe does not take waits in the stream's buffer,
 * and nothing waits in a timer, so a SIGKILL loses at most what the reader had not taken yet.
 *
 * - A reader that does not keep up: the event loop never waits for it. Lines are dropped while more than
 *   {@link MAX_QUEUED_BYTES} wait, and counted (`log_lines_dropped_total`).
 * - A reader gone (EPIPE): logging stops, one line on stderr says so, the service keeps answering.
 * - At exit, {@link LogOutput.close} lets what waits reach the reader within a time bound.
 *
 * Not pino's own destination (sonic-boom): its asynchronous mode writes from libuv's thread pool, and stdout as a
 * shell or a container runtime hands it over is in blocking mode: with a reader that does not read, the pool
 * thread stays in `write(2)`, and as Node joins the pool at exit, `process.exit()` never returned (measured: the
 * process hung until killed). Its synchronous mode blocks the event loop instead.
 */
import type { pino } from 'pino';

/** Bytes of log lines waiting for stdout's reader beyond which further lines are dropped: ~5,000 request lines. */
const MAX_QUEUED_BYTES = 1024 * 1024;

/** The process's log destination. */
export interface LogOutput {
  /** The destination every logger of the process writes to. */
  readonly stream: pino.DestinationStream;
  /** Lines dropped so far because the reader was behind. */
  readonly dropped: () => number;
  /** Resolves once what waits has reached the reader, or after `timeoutMs` when it does not read. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Stdout as the process's log destination. `warn` (default: a line on stderr) is told once when stdout fails
 * (EPIPE: its reader is gone).
 */
export function stdoutOutput(warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`)): LogOutput {
  const stdout = process.stdout;
  let dropped = 0;
  let failed = false;
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    warn(
      error.code === 'EPIPE'
        ? 'stdout is closed (EPIPE): logging stopped; the service keeps running'
        : `writing the log to stdout failed (${error.code ?? error.message}): logging stopped; the service keeps running`,
    );
  });
  return {
    stream: {
      write(line: string): void {
        if (failed) return;
        // pino writes one line per call.
        if (stdout.writableLength > MAX_QUEUED_BYTES) dropped += 1;
        else stdout.write(line);
      },
    },
    dropped: () => dropped,
    close(timeoutMs) {
      if (failed || stdout.writableLength === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        // Writes complete in order: this one's callback runs once everything before it reached the reader.
        stdout.write('', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
