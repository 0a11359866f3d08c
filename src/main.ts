/**
 * The production entry: `node dist/main.js [--check]`. Reads the configuration, starts the service, and stops
 * it gracefully on SIGTERM or SIGINT. SIGHUP rescans the keys directory at once.
 */
import { runCheck } from './check.js';
import { loadConfig } from './config.js';
import { ServiceError } from './errors.js';
import { createLogger, flushDestination, stdoutDestination } from './observability/logger.js';
import { startService } from './service.js';

const USAGE = `usage: node dist/main.js [--check]

  (no flag)  serve /.well-known/jwks.json and /.well-known/oauth-authorization-server
  --check    validate configuration, openapi.json and keys, print the resolved metadata
             and a key summary, and exit 0 or 1 without listening
  --help     show this text

Settings come from the environment; see README.md.`;

async function main(argv: readonly string[]): Promise<number | undefined> {
  const unknown = argv.filter((arg) => arg !== '--check' && arg !== '--help');
  if (argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument(s): ${unknown.join(' ')}\n\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  if (argv.includes('--check')) return runCheck(config, (line) => process.stdout.write(`${line}\n`));

  // Stdout written in batches (see stdoutDestination); whatever is still buffered is written on any exit, including
  // process.exit() after shutdown and a crash.
  const destination = stdoutDestination();
  process.on('exit', () => flushDestination(destination));
  const logger = createLogger(config.logLevel, destination);
  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService(config, { logger });
  } finally {
    // The startup lines (`listening` last, or what led to a boot failure) go out now, not with the next batch.
    flushDestination(destination);
  }
  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'signal received');
    // The drain itself is bounded by SHUTDOWN_TIMEOUT_MS; this guard only covers a bug in it.
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 1000).unref();
    void service.shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => void service.keys.reload());
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    // Boot failures are for a person reading the terminal or the pod log: the message, not a stack.
    process.stderr.write(`${error instanceof ServiceError ? error.message : String(error instanceof Error ? error.stack : error)}\n`);
    process.exitCode = 1;
  },
);
