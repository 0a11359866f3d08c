/**
 * The command-line parsing every CLI of this project shares (`npm run keys`, `npm run verify`): `node:util`
 * `parseArgs` in strict mode with positionals, its errors turned into a {@link UsageError}.
 *
 * @see https://nodejs.org/api/util.html#utilparseargsconfig
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

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
 * Parses `argv` (without `node` and the script) against `options`, strictly: an unknown option or a missing
 * value throws a {@link UsageError} with `parseArgs`'s message (which `node:util` raises as a `TypeError`).
 */
export function parseCommandLine<const O extends CommandOptions>(argv: readonly string[], options: O): CommandLine<O> {
  try {
    return parseArgs<StrictConfig<O>>({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
