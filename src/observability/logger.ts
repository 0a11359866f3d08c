/**
 * The service's logger: pino, JSON lines on stdout. Key material never reaches it: key modules log kids, files
 * and reasons only, and the paths below are redacted as a second line of defence.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.js';

export type { Logger } from 'pino';

/** Creates the root logger. `destination` defaults to stdout; tests pass a stream to read the lines. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'archera-well-known' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['*.d', '*.p', '*.q', '*.dp', '*.dq', '*.qi', '*.oth', '*.privateKey', '*.pem', 'req.headers.authorization', 'req.headers.cookie'],
      censor: '[redacted]',
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** A logger that drops everything, for tools and tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
