/**
 * Running a command line the same way in every CLI and script of this project (`node dist/main.js`, `npm run keys`,
 * `npm run verify`, the scripts under `scripts/`): one parser, `--help` everywhere, and one mapping from errors
 * to messages and exit codes.
 *
 * A command is declared once and run by its entry file:
 *
 * ```ts
 * import { defineCommand, runAsProcess } from '../src/cli/command.js';
 *
 * const command = defineCommand({
 *   name: 'docs',                                  // prefixes every error line: `docs: …`
 *   usage: 'usage: npm run docs [-- --out <file>]', // printed for --help (stdout) and after a usage error (stderr)
 *   options: { out: { type: 'string' } },          // parseArgs options; --help/-h is added
 *   run: async ({ values }, io) => {               // the parsed command line and where to write
 *     io.out(`wrote ${values.out ?? 'dist/docs/index.html'}`);
 *     return EXIT.ok;                              // or undefined: leave the exit code alone (a server)
 *   },
 * });
 * await runAsProcess(command);                     // parses process.argv, sets process.exitCode
 * ```
 *
 * What {@link runCommand} does with a command line:
 * - `--help` or `-h` anywhere before `--`: the usage on stdout, exit {@link EXIT}.ok, nothing run.
 * - A {@link UsageError} (an unknown option, a missing value, positionals to a command that takes none, or one
 *   thrown by `run`): `<name>: <reason>` on one line and the usage on stderr, exit {@link EXIT}.usage.
 * - Any other {@link ServiceError} thrown by `run`: `<name>: <message>` on stderr, exit {@link EXIT}.failed, no
 *   stack trace (the message is written for the user; a `ConfigError` lists its problems on several lines).
 * - Anything else is a bug: `<name>: unexpected error: <stack>` on stderr, exit {@link EXIT}.failed; the stack names
 *   the source files, also from the bundle (`sourceMappedStack`).
 *
 * Tests call {@link runCommand} with an in-memory {@link CommandIo}; entry files call {@link runAsProcess}.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceMappedStack } from '../error-report.js';
import { ServiceError, UsageError } from '../errors.js';
import { asksForHelp, parseCommandLine, refuseArguments, type CommandLine, type CommandOptions } from './args.js';

/** The exit codes of every command: success, failure (a check failed, a file was refused…), bad command line. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where a command writes; each call is one line or block, without the trailing newline. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The `--help`/`-h` option every command gets. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** A command's options with `--help` added, as its `run` sees them. */
export type WithHelp<O extends CommandOptions> = O & typeof HELP_OPTION;

/** A command: its name, usage, options and what it does with a parsed command line. */
export interface Command<O extends CommandOptions> {
  /**
   * Prefix of every error line (`verify` gives `verify: the base URL is missing`). Without one, errors are
   * printed as they are: `node dist/main.js` does so, since its errors already name the setting at fault.
   */
  readonly name?: string;
  /** The usage text, starting `usage: `: stdout for `--help`, stderr after a usage error. */
  readonly usage: string;
  /** The options, as `parseArgs` takes them, without `help` (added for every command). */
  readonly options: O;
  /** Whether the command takes positional arguments; without, any positional is a usage error. Default false. */
  readonly positionals?: boolean;
  /**
   * Does the work. Resolves with the exit code, or `undefined` to leave the process's exit code alone (a server
   * that keeps running). Throws a {@link UsageError} for a command line it refuses, a {@link ServiceError} for a
   * failure to report in one message.
   */
  readonly run: (line: CommandLine<WithHelp<O>>, io: CommandIo) => Promise<number | undefined> | number | undefined;
}

/** Declares a command; an identity function that infers the types of `options` for `run`. */
export function defineCommand<const O extends CommandOptions>(command: Command<O>): Command<O> {
  return command;
}

/** Runs `command` on `argv` (without `node` and the script) and resolves with its exit code; see the module doc. */
export async function runCommand<O extends CommandOptions>(
  command: Command<O>,
  argv: readonly string[],
  io: CommandIo,
): Promise<number | undefined> {
  const options: WithHelp<O> = { ...command.options, ...HELP_OPTION };
  try {
    if (asksForHelp(argv, options)) {
      io.out(command.usage);
      return EXIT.ok;
    }
    const line = parseCommandLine(argv, options);
    if (command.positionals !== true) refuseArguments(line.positionals);
    return await command.run(line, io);
  } catch (error) {
    const prefix = command.name === undefined ? '' : `${command.name}: `;
    if (error instanceof UsageError) {
      io.err(`${prefix}${error.message.split('\n').join(' ')}`);
      io.err(command.usage);
      return EXIT.usage;
    }
    io.err(`${prefix}${failureMessage(error, { stack: true })}`);
    return EXIT.failed;
  }
}

/**
 * How {@link runCommand} words a failure: a {@link ServiceError}'s message, anything else as `unexpected error: `
 * and the error (its stack with `stack: true`). For commands that also report the failure elsewhere, e.g. in
 * their JSON output.
 */
export function failureMessage(error: unknown, { stack = false }: { stack?: boolean } = {}): string {
  if (error instanceof ServiceError) return error.message;
  return `unexpected error: ${stack && error instanceof Error && error.stack !== undefined ? sourceMappedStack(error.stack) : String(error)}`;
}

/**
 * A {@link CommandIo} writing lines to the process's stdout and stderr. A stream whose reader went away
 * (`node dist/main.js --check | head -1`: EPIPE) is left silently: what follows is not written, and the command
 * runs to its end and keeps its exit code, so it still cleans up what it made (nothing ends it half-way through)
 * and says nothing about output nobody reads. Other write errors stay unhandled `error` events, as in any Node
 * program. Each stream is touched only when first written to: opening stdout makes a pipe non-blocking for every
 * process sharing it, which a server logging there does not expect.
 */
export const processIo: CommandIo = {
  out: (text) => writeLine(process.stdout, text),
  err: (text) => writeLine(process.stderr, text),
};

/** The process streams {@link writeLine} has seen, each watched for a closed pipe: whether it is closed. */
const closedStreams = new Map<NodeJS.WriteStream, boolean>();

function writeLine(stream: NodeJS.WriteStream, text: string): void {
  if (!closedStreams.has(stream)) {
    closedStreams.set(stream, false);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closedStreams.set(stream, true);
    });
  }
  if (closedStreams.get(stream) === false) stream.write(`${text}\n`);
}

/**
 * Runs `command` on the process's arguments with {@link processIo} and sets `process.exitCode` (not
 * `process.exit()`, so what was written reaches a pipe before the process ends).
 */
export async function runAsProcess<O extends CommandOptions>(
  command: Command<O>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  const code = await runCommand(command, argv, processIo);
  if (code !== undefined) process.exitCode = code;
}

/**
 * Whether the module at `moduleUrl` (its `import.meta.url`) is the script node was started with, so a module that
 * tests import runs its command only when started itself.
 */
export function isEntryModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && resolve(entry) === fileURLToPath(moduleUrl);
}
