/**
 * The bench's one table: a row per server (medians of the rounds) and a row per target with its ratio (the median
 * of each round's ratio) and PASS or FAIL. Printed, and with `--write-doc` written into docs/performance.md between
 * its markers, both formatted by Prettier as `npm run format` would.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { CommandError } from '../../src/errors.js';
import { SCENARIOS, type LoadResult, type ScenarioName } from './load.js';
import { SERVER_NAMES, type ServerName } from './processes.js';

/** The document that keeps the table. */
export const DOC = fileURLToPath(new URL('../../docs/performance.md', import.meta.url));

/** What one server gave in one round. */
export interface RoundFigures {
  readonly load: Readonly<Record<ScenarioName, LoadResult>>;
  /** VmRSS after the round's load, kB. */
  readonly rssKb: number;
}

/** Everything one run measured. */
export interface Measurements {
  readonly rounds: Array<Partial<Record<ServerName, RoundFigures>>>;
  readonly startupMs: Array<Partial<Record<ServerName, number>>>;
  /** Runs with socket errors or answers outside 2xx/3xx, one line each. */
  readonly warnings: string[];
}

/** The targets of ours, each a ratio to a baseline of the same run that must not exceed `limit`. */
const TARGETS = {
  /** CPU per request, each scenario, over the minimal Koa app's. */
  cpu: 1.25,
  /** VmRSS after load over the minimal Koa app's, same Node and flags. */
  rss: 1.15,
  /** Spawn to first 200 over the bare server's. */
  startup: 3,
} as const;

const median = (values: readonly number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/** Median over paired samples of `a`'s figure over `b`'s. */
function ratio<T>(samples: ReadonlyArray<Partial<Record<ServerName, T>>>, a: ServerName, b: ServerName, figure: (x: T) => number): number {
  return median(samples.flatMap((s) => (s[a] === undefined || s[b] === undefined ? [] : [figure(s[a]) / figure(s[b])])));
}

/** The rendered table and the targets missed. */
export interface Report {
  readonly markdown: string;
  readonly missed: readonly string[];
}

/** The table of a run, with `heading` (what was run, where) above it and notes below. */
export async function report(measured: Measurements, heading: string): Promise<Report> {
  const missed: string[] = [];
  const of = (server: ServerName, figure: (x: RoundFigures) => number): number =>
    median(measured.rounds.flatMap((round) => (round[server] === undefined ? [] : [figure(round[server])])));
  const target = (name: string, value: number, limit: number): string => {
    const pass = value <= limit;
    if (!pass) missed.push(`${name} ${value.toFixed(2)} > ${limit}`);
    return `${value.toFixed(2)} (≤ ${limit}) ${pass ? 'PASS' : 'FAIL'}`;
  };
  const present = SERVER_NAMES.filter((server) => measured.rounds.some((round) => round[server] !== undefined));
  const blank = (n: number): string[] => Array<string>(n).fill('');
  const rows = present.map((server) => [
    server,
    ...SCENARIOS.map((s) => `${of(server, (x) => x.load[s.name].cpuUs).toFixed(1)} µs`),
    ...SCENARIOS.map((s) => Math.round(of(server, (x) => x.load[s.name].rps)).toLocaleString('en-US')),
    `${(of(server, (x) => x.rssKb) / 1024).toFixed(1)} MB`,
    `${median(measured.startupMs.flatMap((s) => s[server] ?? [])).toFixed(0)} ms`,
  ]);
  rows.push([
    '**ours ÷ koa-minimal**',
    ...SCENARIOS.map((s) =>
      target(
        `CPU per request ${s.name}`,
        ratio(measured.rounds, 'ours', 'koa-minimal', (x) => x.load[s.name].cpuUs),
        TARGETS.cpu,
      ),
    ),
    ...blank(SCENARIOS.length),
    target(
      'RSS after load',
      ratio(measured.rounds, 'ours', 'koa-minimal', (x) => x.rssKb),
      TARGETS.rss,
    ),
    '',
  ]);
  rows.push([
    '**ours ÷ bare**',
    ...blank(2 * SCENARIOS.length + 1),
    target(
      'startup to first 200',
      ratio(measured.startupMs, 'ours', 'bare', (ms) => ms),
      TARGETS.startup,
    ),
  ]);
  const header = [
    'server',
    ...SCENARIOS.map((s) => `CPU/request ${s.name}`),
    ...SCENARIOS.map((s) => `req/s ${s.name}`),
    'RSS after load',
    'startup to first 200',
  ];
  const notes = [...measured.warnings];
  const idle = present.flatMap((server) =>
    SCENARIOS.flatMap((s) => {
      const busy = of(server, (x) => x.load[s.name].busy);
      return busy < 90 ? [`${server} ${s.name} ${busy.toFixed(0)}%`] : [];
    }),
  );
  if (idle.length > 0) notes.push(`Below 90% of its core (paced by the load generator, or the core was shared): ${idle.join(', ')}.`);
  const table = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const text = [heading, table, ...notes].join('\n\n');
  return { markdown: await format(text, { ...(await resolveConfig(DOC)), parser: 'markdown' }), missed };
}

const BEGIN = '<!-- bench:begin: written by `npm run bench -- --write-doc`; edits between the markers are overwritten -->';
const END = '<!-- bench:end -->';

/** Replaces what lies between the bench markers of {@link DOC} with `markdown`; throws when the markers are missing. */
export async function writeDoc(markdown: string): Promise<void> {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start === -1 || end < start) throw new CommandError(`${DOC}: the markers ${BEGIN} and ${END} are missing`);
  const replaced = `${text.slice(0, start + BEGIN.length)}\n\n${markdown.trim()}\n\n${text.slice(end)}`;
  writeFileSync(DOC, await format(replaced, { ...(await resolveConfig(DOC)), filepath: DOC }));
}
