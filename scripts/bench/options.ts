/** The flags of `npm run bench`, declared for the project's one command runner (`src/cli/command.ts`). */
import { positiveWholeNumber, refuseArguments, type CommandLine } from '../../src/cli/args.js';
import type { WithHelp } from '../../src/cli/command.js';

export const USAGE = `usage: npm run bench [-- options]

CPU per request, resident memory after load and startup of the production build, run as the container image
runs it (node, the Dockerfile CMD's flags, dist/main.js), side by side with a minimal Koa app, an idiomatic Koa
app, a bare node:http server and nginx (when installed), all answering the same bytes and headers. Prints one
table with the targets; docs/performance.md says how to read it.

  --quick             a smoke run: 1 round of 1 s per scenario, 1 startup each (figures not meaningful)
  --rounds N          rounds, each on new processes of every server (default 5)
  --duration S        seconds of load per scenario and server in a round (default 3)
  --warmup S          seconds of warm-up per server in a round, 0 for none (default 2)
  --connections N     keep-alive connections of the load generator (default 50)
  --startup-reps N    spawn-to-first-200 measurements per server (default 7)
  --node FILE         the Node that runs every Node server (default: the one running the bench)
  --entry FILE        our server's entry (default: the Dockerfile CMD's, dist/main.js)
  --log-file FILE     where our request log goes, as a log shipper would read it (default /dev/null)
  --build             build dist/ first; --no-build never does (default: when dist/ is older than src/)
  --no-build
  --check             start every server once, check they answer the same bytes and headers, stop (no load)
  --write-doc         write the table into docs/performance.md (between its bench markers)
  --json FILE         also write every measurement as JSON
  --strict            exit 1 when a target is missed
  -h, --help          show this text`;

/** The bench's settings. */
export interface Options {
  readonly quick: boolean;
  readonly rounds: number;
  readonly duration: number;
  readonly warmup: number;
  readonly connections: number;
  readonly startupReps: number;
  readonly node: string;
  readonly entry: string | undefined;
  readonly logFile: string;
  readonly build: 'auto' | 'always' | 'never';
  readonly check: boolean;
  readonly writeDoc: boolean;
  readonly json: string | undefined;
  readonly strict: boolean;
}

const string = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;

/** The flags, as `parseArgs` takes them. */
export const BENCH_OPTIONS = {
  quick: flag,
  rounds: string,
  duration: string,
  warmup: string,
  connections: string,
  'startup-reps': string,
  node: string,
  entry: string,
  'log-file': string,
  build: flag,
  'no-build': flag,
  check: flag,
  'write-doc': flag,
  json: string,
  strict: flag,
} as const;

/** The settings of a parsed command line; a bad value is a `UsageError` naming the flag. */
export function optionsOf({ values, positionals }: CommandLine<WithHelp<typeof BENCH_OPTIONS>>): Options {
  refuseArguments(positionals);
  const quick = values.quick === true;
  const count = (name: 'rounds' | 'duration' | 'connections' | 'startup-reps', full: number, smoke: number): number =>
    positiveWholeNumber(name, values[name]) ?? (quick ? smoke : full);
  const warmup = values.warmup === '0' ? 0 : (positiveWholeNumber('warmup', values.warmup) ?? (quick ? 1 : 2));
  return {
    quick,
    rounds: count('rounds', 5, 1),
    duration: count('duration', 3, 1),
    warmup,
    connections: count('connections', 50, 50),
    startupReps: count('startup-reps', 7, 1),
    node: values.node ?? process.execPath,
    entry: values.entry,
    logFile: values['log-file'] ?? '/dev/null',
    build: values.build === true ? 'always' : values['no-build'] === true ? 'never' : 'auto',
    check: values.check === true,
    writeDoc: values['write-doc'] === true,
    json: values.json,
    strict: values.strict === true,
  };
}
