/** The flags of `npm run bench`, declared for the project's one command runner (`src/cli/command.ts`). */
import type { CommandLine } from '../../src/cli/args.js';
import type { WithHelp } from '../../src/cli/command.js';
import { UsageError } from '../../src/errors.js';

export const USAGE = `usage: npm run bench [-- options]

Throughput, startup and memory of the production build (node dist/main.js, default configuration, request log on)
side by side with a minimal Koa app and a bare node:http server that answer the same bytes with the same headers.

  --rounds N          interleaved rounds of every scenario on every server (default 5)
  --duration S        seconds per load run (default 4)
  --warmup S          seconds of warm-up per scenario and server, each round (default 1)
  --connections N     keep-alive connections of the load generator (default 50)
  --startup-reps N    spawn-to-first-200 measurements per server (default 7)
  --scenarios A,B     some of jwks, metadata, jwks-304, jwks-head (default all)
  --entry FILE        our server's entry (default dist/main.js)
  --log-file FILE     where our request log goes, as a log shipper would read it (default /dev/null)
  --build             build dist/ first; --no-build never does (default: when dist/ is older than src/)
  --no-build
  --strict            exit 1 when a target is missed
  --json FILE         also write every figure as JSON
  -h, --help          show this text`;

/** The bench's settings. */
export interface Options {
  readonly rounds: number;
  readonly duration: number;
  readonly warmup: number;
  readonly connections: number;
  readonly startupReps: number;
  readonly scenarios: readonly string[] | undefined;
  readonly entry: string | undefined;
  readonly logFile: string;
  readonly build: 'auto' | 'always' | 'never';
  readonly strict: boolean;
  readonly json: string | undefined;
}

const string = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;

/** The flags, as `parseArgs` takes them. */
export const BENCH_OPTIONS = {
  rounds: string,
  duration: string,
  warmup: string,
  connections: string,
  'startup-reps': string,
  scenarios: string,
  entry: string,
  'log-file': string,
  build: flag,
  'no-build': flag,
  strict: flag,
  json: string,
} as const;

/** The settings of a parsed command line; a bad value is a `UsageError` naming the flag. */
export function optionsOf({ values }: CommandLine<WithHelp<typeof BENCH_OPTIONS>>): Options {
  const number = (name: keyof typeof values, fallback: number, min: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (typeof raw !== 'string' || !Number.isFinite(parsed) || parsed < min) throw new UsageError(`--${name} must be a number >= ${min}`);
    return parsed;
  };
  return {
    rounds: Math.floor(number('rounds', 5, 1)),
    duration: number('duration', 4, 1),
    warmup: number('warmup', 1, 0),
    connections: Math.floor(number('connections', 50, 1)),
    startupReps: Math.floor(number('startup-reps', 7, 1)),
    scenarios: values.scenarios?.split(',').map((name) => name.trim()),
    entry: values.entry,
    logFile: values['log-file'] ?? '/dev/null',
    build: values.build === true ? 'always' : values['no-build'] === true ? 'never' : 'auto',
    strict: values.strict === true,
    json: values.json,
  };
}
