/**
 * The production entry: `node dist/main.js [--check] [--help]`. Reads the configuration, starts the service, and
 * stops it gracefully on SIGTERM or SIGINT. SIGHUP rescans the keys directory at once. The command line goes
 * through the project's one parser (`src/cli/command.ts`): exit 2 and the usage for an unknown argument, exit 1
 * with the message alone (it names the setting at fault) when the configuration or the boot fails.
 */
import { contract } from '../generated/contract.js';
import { runCheck } from './check.js';
import { defineCommand, runAsProcess, type CommandIo } from './cli/command.js';
import { readConfig } from './config.js';
import { reviewConfig } from './config-review.js';
import { ConfigError } from './errors.js';
import { stdoutOutput } from './observability/log-output.js';
import { createLogger } from './observability/logger.js';
import { startService } from './service.js';

/** The operations the server answers, as the build compiled them from `openapi.json`: one line each. */
const SERVED = contract.operations.map((operation) => `                ${operation.method.toUpperCase()} ${operation.path}`).join('\n');

const USAGE = `usage: node dist/main.js [--check] [--help]

  (no flag)   serve the operations of openapi.json:
${SERVED}
  --check     validate configuration, openapi.json and keys, print the resolved metadata
              and a key summary, and exit 0 or 1 without listening (npm run check builds first)
  -h, --help  show this text

Settings come from the environment; see README.md.`;

/** Time the log's last lines get to reach stdout's reader at exit. */
const LOG_CLOSE_MS = 1000;

const command = defineCommand({
  usage: USAGE,
  options: { check: { type: 'boolean' } },
  run: ({ values }, io) => (values.check === true ? check(io) : serve()),
});

function check(io: CommandIo): Promise<number> {
  return runCheck(readConfig(), io.out);
}

/** Starts the service; resolves once it listens, leaving the exit code to the signal handlers. */
async function serve(): Promise<undefined> {
  const reading = readConfig();
  // An invalid environment stops the boot before anything is written or bound, listing with its problems those of
  // everything that depends on it; with a valid one, the service gathers its own (see openKeys).
  if (reading.problems.length > 0) throw new ConfigError((await reviewConfig(reading)).problems);
  const { config } = reading;
  // The log's destination, shared by every logger of the process (see log-output.ts).
  const output = stdoutOutput();
  const logger = createLogger(config.logLevel, output.stream);
  const starting = startService(config, { logger, droppedLogLines: output.dropped });
  /** Exits once the log is written, or abandoned after a second if its reader does not read. */
  const exit = (code: number): void => void output.close(LOG_CLOSE_MS).then(() => process.exit(code));
  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    logger.info({ signal }, 'signal received');
    // The drain itself is bounded by SHUTDOWN_TIMEOUT_MS; this guard only covers a bug in it.
    setTimeout(() => exit(1), config.shutdownTimeoutMs + 1000).unref();
    // A signal during the boot drains once it is done; a boot that fails exits through the command runner.
    void starting
      .then((service) => service.shutdown())
      .then(
        () => exit(0),
        () => undefined,
      );
  };
  // Handled from the start: a supervisor may signal as soon as it reads `listening`, which the boot logs.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const service = await starting;
  process.on('SIGHUP', () => void service.keys.reload());
  return undefined;
}

await runAsProcess(command);
