/**
 * The command-line parsing every CLI and script of this project shares: `node:util` `parseArgs` in strict mode
 * with positionals, its errors turned into a one-line {@link UsageError}. Commands normally go through
 * `runCommand` (`./command.ts`), which adds `--help` and the exit codes; this module is the parsing alone.
 *
 * @see https://nodejs.org/api/util.html#utilparseargsconfig
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorCode, UsageError } from '../errors.js';

/** The option declarations of a command, as `parseArgs` takes them. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** The strict configuration {@link parseCommandLine} gives `parseArgs`, typed by the command's options. */
interface StrictConfig<O extends CommandOptions> {
  args: string[];
  options: O;
  allowPositionals: true;
  strict: true;
}

/** What `parseArgs` returns for `options`: typed `values` and the positionals. */
export type CommandLine<O extends CommandOptions> = ReturnType<typeof parseArgs<StrictConfig<O>>>;

/**
 * Parses `argv` (without `node` and the script) against `options`, strictly: an unknown option, a missing value
 * or a value given to a boolean throws a {@link UsageError} of one line (`unknown option '--colour'`; otherwise
 * `parseArgs`'s message, which `node:util` raises as a `TypeError` and sometimes spreads over several lines).
 */
export function parseCommandLine<const O extends CommandOptions>(argv: readonly string[], options: O): CommandLine<O> {
  try {
    return parseArgs<StrictConfig<O>>({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const unknown = errorCode(error) === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownOption(argv, options) : undefined;
    // parseArgs' own text for an unknown option adds advice on positionals that starts a quote it never closes.
    const message = unknown === undefined ? (error instanceof Error ? error.message : String(error)) : `unknown option '${unknown}'`;
    throw new UsageError(message.split('\n').join(' '), { cause: error });
  }
}

/**
 * Whether `argv` asks for help (`--help` or `-h`, also among other options, before any `--`), whatever else it
 * holds: help is shown even for a command line that would not parse. `help` must be one of `options`.
 */
export function asksForHelp(argv: readonly string[], options: CommandOptions): boolean {
  return optionTokens(argv, options).some((token) => token.name === 'help');
}

/**
 * The value of a numeric option such as `--timeout-ms`: a positive whole number, or `undefined` when the option
 * was not given. Anything else (`soon`, `0`, `1.5`, `-3`) is a {@link UsageError} naming the option.
 */
export function positiveWholeNumber(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new UsageError(`--${option}: "${value}" is not a positive whole number`);
  return parsed;
}

/** Throws a {@link UsageError} naming the first of `extra`, positional arguments a command does not take. */
export function refuseArguments(extra: readonly string[]): void {
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
}

/** The options `argv` names, parsed leniently so that this never throws. */
function optionTokens(argv: readonly string[], options: CommandOptions): Array<{ name: string; rawName: string }> {
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  return tokens.flatMap((token) => (token.kind === 'option' ? [token] : []));
}

/** How the first option of `argv` that `options` does not declare was written, e.g. `--colour` or `-x`. */
function unknownOption(argv: readonly string[], options: CommandOptions): string | undefined {
  return optionTokens(argv, options).find((token) => !Object.hasOwn(options, token.name))?.rawName;
}
