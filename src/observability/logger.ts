/**
 * The service's logger: pino, JSON lines on stdout. Key material never reaches it: key modules log kids, files
 * and reasons only, and the paths below are redacted as a second line of defence.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.js';
import { errorForLog } from '../error-report.js';
import { BatchedOutput } from './batched-output.js';

export type { Logger } from 'pino';

/**
 * Redacted paths. Every one has at least two segments (a wildcard or a named first key, then a member), so a
 * line whose values are all primitives can never match one; {@link primitivesLogger} relies on that.
 */
const REDACT_PATHS = [
  '*.d',
  '*.p',
  '*.q',
  '*.dp',
  '*.dq',
  '*.qi',
  '*.oth',
  '*.privateKey',
  '*.pem',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * pino's `isoTime` for the time `ms`, formatted once per millisecond: many lines share a millisecond under load,
 * and `toISOString` was a visible part of each request's cost. The output is identical.
 */
let lastTimeMs = Number.NaN;
let lastTime = '';
function isoTimeAt(ms: number): string {
  const whole = Math.floor(ms);
  if (whole !== lastTimeMs) {
    lastTimeMs = whole;
    lastTime = `,"time":"${new Date(whole).toISOString()}"`;
  }
  return lastTime;
}

/** pino's `isoTime` for now (see {@link isoTimeAt}). */
function isoTime(): string {
  return isoTimeAt(Date.now());
}

/** Creates the root logger. `destination` defaults to stdout; tests pass a stream to read the lines. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'archera-well-known' },
    timestamp: isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // An expected condition without a stack, a bug with a stack naming the sources.
    serializers: { err: errorForLog },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** Stdout for the server process, written in batches (see {@link BatchedOutput}). */
export type StdoutDestination = BatchedOutput;

/**
 * Stdout for the server process, written in batches: one `write(2)` per ~32 KiB of lines instead of one per line,
 * and at the latest 100 ms after a line was logged. The owner flushes it on exit with {@link flushDestination}.
 */
export function stdoutDestination(): StdoutDestination {
  return new BatchedOutput(1);
}

/** Writes out what `destination` still buffers, synchronously: for process exit and right after startup. */
export function flushDestination(destination: StdoutDestination): void {
  try {
    destination.flushSync();
  } catch {
    // Stdout is gone (EPIPE): there is nowhere left to write.
  }
}

/** Characters a JSON string holds as they are (RFC 8259 §7): printable ASCII but `"` and `\`. A single class: linear. */
const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `value` as a JSON string: quoted as it is when nothing needs escaping (every path the contract has). */
function jsonString(value: string): string {
  return JSON_PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** The fields of the one line logged per request. */
export interface RequestLine {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
}

/**
 * Writes the per-request line (`msg` `request`, level `info`) of `logger` for a request answered at `timeMs` (Unix
 * time, ms): byte for byte what `logger.info(line, 'request')` writes at that time, assembled from a prefix pino
 * computed once (level, bindings) and the few fields, and handed to the logger's destination (batched on stdout,
 * see {@link stdoutDestination}). pino's general path (a child per call site, its serializers and redaction over
 * every value) was the largest cost of answering a request.
 * The request id is an id the service made or accepted (`[A-Za-z0-9._:@/+=-]`) and the method a token, so only
 * the path needs escaping.
 */
export function requestLineWriter(logger: Logger): (line: RequestLine, timeMs: number) => void {
  const stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  const bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  if (stream === undefined || !logger.isLevelEnabled('info')) return () => undefined;
  return (line, timeMs) => {
    stream.write(
      `{"level":"info"${isoTimeAt(timeMs)}${bindings},"requestId":"${line.requestId}","method":"${line.method}","path":${jsonString(line.path)},"status":${line.status},"durationMs":${line.durationMs},"msg":"request"}\n`,
    );
  };
}

/**
 * The same logger for lines whose values are all primitives, such as the malformed-request line: none of
 * {@link REDACT_PATHS} can match such a line, so this child skips the redaction pass pino otherwise runs on every
 * value of every line. The output is byte-identical to the root logger's.
 */
export function primitivesLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [], censor: '[redacted]' } });
}

/** A logger that drops everything, for tools and tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
