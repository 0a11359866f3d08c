/** The bench's table and its `summary:` lines, one per target of issue 14. */
import type { Options } from './options.js';

type ByServer = Readonly<Record<'ours' | 'koa' | 'bare', number>>;

/** Medians of one run. */
export interface Figures {
  readonly throughput: ReadonlyArray<{
    readonly scenario: string;
    readonly gated: boolean;
    readonly rps: ByServer;
    readonly cpuUs: ByServer;
    readonly cpuPercent: ByServer;
    /** Ours req/s over Koa's in the same round, median of the rounds. */
    readonly vsKoa: number;
    /** Ours req/s over bare's in the same round, median of the rounds. */
    readonly vsBare: number;
    /** Koa's CPU time per request over ours, both loaded at the same time on one core (median of rounds). */
    readonly pairedVsKoa: number;
  }>;
  readonly startupMs: ByServer;
  readonly rssKb: ByServer;
  readonly hwmKb: ByServer;
  /** Ours RSS over bare's after the same round's load, median of the rounds. */
  readonly rssVsBare: number;
  readonly loadAverage: number;
}

/** Throughput of ours at least this share of the minimal Koa app's. */
const THROUGHPUT_TARGET = 0.85;
/** Startup to the first 200 at most this multiple of the bare server's. */
const STARTUP_TARGET = 3;
/** RSS after load at most this multiple of the bare server's. */
const RSS_TARGET = 1.3;

const cell = (text: string, width: number): string => text.padStart(width);
const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;

/** Prints the table and the summaries; returns whether a target was missed. */
export function printReport(figures: Figures, options: Options): boolean {
  const summaries: Array<{ figure: string; value: number; target: string; pass: boolean | undefined }> = [];
  console.log(
    `\nmedians of ${options.rounds} rounds × ${options.duration} s, ${options.connections} connections, new processes each round; ratios = median of each round's ratio;\n` +
      'CPU = server CPU time per request, busy = server CPU share of its core;\n' +
      'paired = Koa CPU per request / ours, both loaded at once on one core',
  );
  console.log(
    `  ${'scenario'.padEnd(10)}${cell('ours', 9)}${cell('koa', 9)}${cell('bare', 9)}${cell('ours/koa', 10)}${cell('ours/bare', 10)}` +
      `${cell('CPU ours', 10)}${cell('koa', 8)}${cell('bare', 8)}${cell('busy ours', 11)}${cell('koa', 6)}${cell('bare', 6)}${cell('paired ours/koa', 17)}`,
  );
  for (const t of figures.throughput) {
    const vsKoa = t.vsKoa;
    console.log(
      `  ${t.scenario.padEnd(10)}${cell(t.rps.ours.toFixed(0), 9)}${cell(t.rps.koa.toFixed(0), 9)}${cell(t.rps.bare.toFixed(0), 9)}` +
        `${cell(vsKoa.toFixed(2), 10)}${cell(t.vsBare.toFixed(2), 10)}` +
        `${cell(`${t.cpuUs.ours.toFixed(1)}µs`, 10)}${cell(`${t.cpuUs.koa.toFixed(1)}µs`, 8)}${cell(`${t.cpuUs.bare.toFixed(1)}µs`, 8)}` +
        `${cell(`${t.cpuPercent.ours.toFixed(0)}%`, 11)}${cell(`${t.cpuPercent.koa.toFixed(0)}%`, 6)}${cell(`${t.cpuPercent.bare.toFixed(0)}%`, 6)}` +
        `${cell(t.pairedVsKoa.toFixed(2), 17)}`,
    );
    summaries.push({
      figure: `${t.scenario} throughput ours/koa`,
      value: vsKoa,
      target: t.gated ? `>= ${THROUGHPUT_TARGET.toFixed(2)}` : 'reported',
      pass: t.gated ? vsKoa >= THROUGHPUT_TARGET : undefined,
    });
    summaries.push({ figure: `${t.scenario} throughput ours/bare`, value: t.vsBare, target: 'reported', pass: undefined });
    summaries.push({ figure: `${t.scenario} paired CPU per request koa/ours`, value: t.pairedVsKoa, target: 'reported', pass: undefined });
  }
  const s = figures.startupMs;
  console.log(
    `\nstartup to first 200 (median of ${options.startupReps}): ours ${s.ours.toFixed(0)} ms, koa ${s.koa.toFixed(0)} ms, bare ${s.bare.toFixed(0)} ms`,
  );
  summaries.push({
    figure: 'startup ours/bare',
    value: s.ours / s.bare,
    target: `<= ${STARTUP_TARGET.toFixed(2)}`,
    pass: s.ours / s.bare <= STARTUP_TARGET,
  });
  const r = figures.rssKb;
  console.log(`RSS after each round's load (VmRSS, median): ours ${mb(r.ours)}, koa ${mb(r.koa)}, bare ${mb(r.bare)}`);
  console.log(`  peak (VmHWM): ours ${mb(figures.hwmKb.ours)}, koa ${mb(figures.hwmKb.koa)}, bare ${mb(figures.hwmKb.bare)}`);
  summaries.push({
    figure: 'RSS after load ours/bare',
    value: figures.rssVsBare,
    target: `<= ${RSS_TARGET.toFixed(2)}`,
    pass: figures.rssVsBare <= RSS_TARGET,
  });
  const idle = figures.throughput.filter((t) => Math.min(t.cpuPercent.ours, t.cpuPercent.koa, t.cpuPercent.bare) < 90);
  if (idle.length > 0) {
    console.log(
      `\nnote: a server was below 90% of its core in ${idle.map((t) => t.scenario).join(', ')}: the load generator set the pace there`,
    );
  }
  console.log(`load average at the end: ${figures.loadAverage.toFixed(2)}\n`);
  for (const x of summaries) {
    console.log(
      `summary: ${x.figure} = ${x.value.toFixed(2)} (target ${x.target}) ${x.pass === undefined ? 'INFO' : x.pass ? 'PASS' : 'FAIL'}`,
    );
  }
  return summaries.some((x) => x.pass === false);
}
