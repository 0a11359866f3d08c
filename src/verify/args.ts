/** The command line of `npm run verify`. */
import { positiveWholeNumber, type CommandLine } from '../cli/args.js';
import { UsageError } from '../errors.js';
import { DEFAULT_ORIGIN, DEFAULT_TIMEOUT_MS } from './verify.js';

/** Shown with every usage error and for `--help`. */
export const USAGE = `usage: npm run verify -- <base-url> [--json] [--timeout-ms <ms>] [--origin <origin>]

  <base-url>         the deployment's issuer, e.g. https://auth.example.com
  --json             print the report as JSON on stdout
  --timeout-ms <ms>  time limit per request (default ${DEFAULT_TIMEOUT_MS})
  --origin <origin>  Origin sent by the CORS checks (default ${DEFAULT_ORIGIN})
  -h, --help         show this text

exit code: 0 nothing failed (warnings allowed), 1 something failed or the host did not answer, 2 usage error`;

/** A parsed command line. */
export interface VerifyArgs {
  readonly baseUrl: string;
  readonly json: boolean;
  readonly timeoutMs: number;
  readonly origin: string;
}

/** The options of `npm run verify` (`--help` comes with `runCommand`). */
export const VERIFY_OPTIONS = {
  json: { type: 'boolean', default: false },
  'timeout-ms': { type: 'string' },
  origin: { type: 'string' },
} as const;

/** Reads a parsed command line. Throws a {@link UsageError} naming what is wrong. */
export function verifyArgs({ values, positionals }: Pick<CommandLine<typeof VERIFY_OPTIONS>, 'values' | 'positionals'>): VerifyArgs {
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'the base URL is missing' : `expected one base URL, got ${positionals.length}`);
  }
  return {
    baseUrl: positionals[0] ?? '',
    json: values.json,
    timeoutMs: positiveWholeNumber('timeout-ms', values['timeout-ms']) ?? DEFAULT_TIMEOUT_MS,
    origin: origin(values.origin),
  };
}

function origin(value: string | undefined): string {
  if (value === undefined) return DEFAULT_ORIGIN;
  if (!URL.canParse(value) || new URL(value).origin !== value)
    throw new UsageError(`--origin: "${value}" is not an origin such as https://app.example.com`);
  return value;
}
