/**
 * `npm run bench`: the production build against four baselines in one run (docs/performance.md), each answering
 * the same bytes and headers: a minimal Koa app, an idiomatic Koa app, bare node:http (`servers/`) and nginx serving
 * the documents as static files (`nginx.ts`) where it is installed. Ours runs as the image runs it: the Dockerfile
 * CMD's Node flags and `NODE_*` environment (`image-command.ts`), a mounted key directory, request log at `info`
 * on stdout; every Node server gets the same flags. A benchmark, not a test: it prints one table with the targets
 * and exits 0 unless it could not run (`--strict`: also 1 when a target is missed). `--help` lists the flags.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCommand, EXIT, processIo, runAsProcess } from '../../src/cli/command.js';
import { CommandError } from '../../src/errors.js';
import { staleReason } from '../build-if-stale.js';
import { imageCommand } from './image-command.js';
import { measure, SCENARIOS, warmUp, type LoadResult, type ScenarioName } from './load.js';
import { findNginx } from './nginx.js';
import { BENCH_OPTIONS, optionsOf, USAGE, type Options } from './options.js';
import { PINNED, pinSelf, rssKbOf, start, stop, type Running, type ServerName, type Target } from './processes.js';
import { report, writeDoc, DOC, type Measurements, type RoundFigures } from './report.js';
import { capture, checkSame, JWKS_PATH, type Captured } from './responses.js';
import { baselineTargets, oursTarget } from './targets.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Builds dist/ when asked to, or when it is missing or older than what it is built from. */
function ensureBuild(options: Options, entry: string): void {
  const isDefault = entry === join(ROOT, 'dist/main.js');
  const stale = isDefault ? staleReason(ROOT) : undefined;
  if (options.build === 'always' || (options.build === 'auto' && stale !== undefined)) {
    if (!isDefault) throw new CommandError(`--entry ${entry}: only dist/main.js is built here`);
    processIo.out(`building dist/ (npm run build)${stale === undefined ? '' : `: ${stale}`}`);
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: ROOT, stdio: 'inherit' });
  } else {
    processIo.out(`reusing ${relative(ROOT, entry)}${stale === undefined ? '' : ` (${stale}; --no-build given)`}`);
  }
}

/** The first line a program prints about its version (`wrk -v` exits 1, and nginx prints to stderr). */
function versionOf(command: string, flag: string): string {
  const result = spawnSync(command, [flag], { encoding: 'utf8' });
  if (result.error !== undefined) throw new CommandError(`${command} could not be run (${result.error.message}); the bench needs it`);
  return `${result.stdout}${result.stderr}`.split('\n')[0]?.trim() ?? '';
}

/** `items` turned left by `by`, so that no server is always first or last. */
const rotate = <T>(items: readonly T[], by: number): T[] => [...items.slice(by % items.length), ...items.slice(0, by % items.length)];

/** Starts and stops the run's servers, and kills what is still running when the run ends early. */
class Fleet {
  readonly #running = new Set<Running>();

  async start(target: Target): Promise<Running> {
    const running = await start(target, JWKS_PATH);
    this.#running.add(running);
    return running;
  }

  async stop(running: Running): Promise<void> {
    await stop(running);
    this.#running.delete(running);
  }

  kill(): void {
    for (const running of this.#running) running.child.kill('SIGKILL');
  }
}

/**
 * Starts each target once and checks that it answers what ours answered; resolves with those that do. A Node
 * baseline that does not stops the bench; nginx is left out, saying why.
 */
async function sameAnswers(targets: readonly Target[], captured: Captured, fleet: Fleet): Promise<Target[]> {
  const same: Target[] = [];
  for (const target of targets) {
    try {
      const running = await fleet.start(target);
      try {
        await checkSame(target.name, running.port, captured, target.ownEtag);
      } finally {
        await fleet.stop(running);
      }
      same.push(target);
    } catch (error) {
      if (target.name !== 'nginx') throw error;
      processIo.out(`nginx: skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return same;
}

/** Spawn to first 200 of each target, one after the other. */
async function startups(targets: readonly Target[], fleet: Fleet): Promise<Partial<Record<ServerName, number>>> {
  const sample: Partial<Record<ServerName, number>> = {};
  for (const target of targets) {
    const running = await fleet.start(target);
    sample[target.name] = running.startedMs;
    await fleet.stop(running);
  }
  return sample;
}

/**
 * One round on new processes of every target (`targets` in this round's order): their answers checked, a
 * warm-up, every scenario on every server, then each one's resident memory.
 */
async function measureRound(
  targets: readonly Target[],
  round: number,
  options: Options,
  context: { readonly captured: Captured; readonly fleet: Fleet; readonly dir: string; readonly warnings: string[] },
): Promise<Partial<Record<ServerName, RoundFigures>>> {
  const load = { connections: options.connections, seconds: options.duration, dir: context.dir };
  const servers: Array<{ running: Running; etags: Record<string, string>; load: Partial<Record<ScenarioName, LoadResult>> }> = [];
  for (const target of targets) {
    const running = await context.fleet.start(target);
    servers.push({ running, etags: await checkSame(target.name, running.port, context.captured, target.ownEtag), load: {} });
  }
  const check = (what: string, errors: number): void => {
    if (errors > 0)
      context.warnings.push(`Round ${round + 1}, ${what}: ${errors} socket errors or answers outside 2xx/3xx; that round is not valid.`);
  };
  if (options.warmup > 0) {
    for (const { running, etags } of servers)
      check(`${running.target.name} warm-up`, await warmUp(running, etags, { ...load, seconds: options.warmup }));
  }
  // Scenarios in an order that turns by round, servers in one that turns by round and scenario, so that neither the
  // run right after the warm-up nor drift on the machine always falls on the same scenario or server.
  for (const [index, scenario] of rotate(SCENARIOS, round).entries()) {
    for (const server of rotate(servers, index)) {
      const result = await measure(server.running, scenario, server.etags, load);
      server.load[scenario.name] = result;
      check(`${server.running.target.name} ${scenario.name}`, result.errors);
    }
  }
  const figures: Partial<Record<ServerName, RoundFigures>> = {};
  for (const { running, load: results } of servers) {
    figures[running.target.name] = { load: results as Record<ScenarioName, LoadResult>, rssKb: rssKbOf(running.child.pid ?? 0) };
    await context.fleet.stop(running);
  }
  return figures;
}

/** Runs the bench; resolves with the targets missed. */
async function bench(options: Options): Promise<readonly string[]> {
  const image = imageCommand(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const entry = resolve(ROOT, options.entry ?? image.entry);
  pinSelf();
  ensureBuild(options, entry);
  const node = versionOf(options.node, '--version');
  const wrk = options.check ? undefined : versionOf('wrk', '-v').replace(/ \[.*$/, '');
  const nginx = findNginx();
  const flags = [...image.nodeFlags, ...Object.entries(image.env).map(([name, value]) => `${name}=${value}`)].join(' ') || 'none';
  const loadBefore = loadavg()[0] ?? NaN;
  const cpu = `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, Linux ${release()})`;
  processIo.out(
    `machine: ${cpu}, load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  processIo.out(`node: ${options.node} ${node} for every Node server, with the image's settings (Dockerfile CMD and ENV): ${flags}`);
  const imageMajor = image.nodeRelease?.split('.')[0];
  if (imageMajor !== undefined && node.replace(/^v/, '').split('.')[0] !== imageMajor)
    processIo.out(`note: the image runs Node ${image.nodeRelease}; pass --node with that release to measure as it runs`);
  processIo.out(
    PINNED ? 'pinning: servers on core 0, wrk and the bench on core 1 (taskset)' : 'pinning: off (fewer than 2 cores or no taskset)',
  );
  if (wrk !== undefined) processIo.out(`wrk: ${wrk}`);
  processIo.out(`nginx: ${'missing' in nginx ? `skipped: ${nginx.missing}` : nginx.version}`);

  const dir = mkdtempSync(join(tmpdir(), 'archera-bench-'));
  const fleet = new Fleet();
  const cleanup = (): void => {
    fleet.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const setup = { image, node: options.node, entry, logFile: options.logFile, dir };
    const ours = oursTarget(setup);
    const probe = await fleet.start(ours);
    const captured = await capture(probe.port);
    await fleet.stop(probe);
    const baselines = baselineTargets(setup, captured, 'missing' in nginx ? undefined : nginx.command);
    const targets = await sameAnswers([ours, ...baselines], captured, fleet);
    const names = targets.map((target) => target.name);
    processIo.out(
      `same status, body bytes and header fields as ours (Date, Connection, Server aside; request id and nginx's ETag by presence): ${names.join(', ')}`,
    );
    if (options.check) return [];

    const measured: Measurements = { rounds: [], startupMs: [], warnings: [] };
    for (let i = 0; i < options.startupReps; i += 1) measured.startupMs.push(await startups(rotate(targets, i), fleet));
    const perRound = targets.length * (options.warmup + SCENARIOS.length * options.duration);
    processIo.out(
      `load: ${options.rounds} round(s) on new processes, each ${options.warmup} s of warm-up then ${SCENARIOS.length} scenarios × ${options.duration} s per server, ${options.connections} connections (~${Math.round(options.rounds * perRound)} s)`,
    );
    for (let round = 0; round < options.rounds; round += 1) {
      // New processes every round: two processes of one program can differ by ~15% in CPU per request for their
      // whole life (memory placement), so one process per server would fix that luck into every figure.
      const figures = await measureRound(rotate(targets, round), round, options, { captured, fleet, dir, warnings: measured.warnings });
      measured.rounds.push(figures);
      const line = SCENARIOS.map((s) => `${s.name} ${names.map((name) => figures[name]?.load[s.name].cpuUs.toFixed(1)).join('/')}`);
      processIo.out(
        `  round ${round + 1}: CPU µs per request ${line.join('  ')} [${names.join('/')}], load average ${loadavg()[0]?.toFixed(2) ?? '?'}`,
      );
    }

    const heading = [
      options.quick ? '**A `--quick` smoke run: these figures are not a measurement.**' : '',
      `\`npm run bench\` of ${new Date().toISOString().slice(0, 10)} on ${cpu}:`,
      `every Node server on Node ${node} with the image's settings (${flags});`,
      `${PINNED ? 'servers on core 0, wrk and the bench on core 1' : 'no core pinning'}; ${wrk ?? 'wrk'}; ${names.includes('nginx') ? ('version' in nginx ? nginx.version : '') : 'nginx skipped'}.`,
      `${options.rounds} round(s) × ${options.duration} s per scenario and server after ${options.warmup} s of warm-up, ${options.connections} connections; ${options.startupReps} startup(s) each;`,
      `load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? NaN).toFixed(2)} after.`,
    ]
      .filter((line) => line !== '')
      .join('\n');
    const { markdown, missed } = await report(measured, heading);
    processIo.out(`\n${markdown}`);
    processIo.out(missed.length === 0 ? 'every target met' : `targets missed: ${missed.join('; ')}`);
    if (options.writeDoc) {
      await writeDoc(markdown);
      processIo.out(`wrote the table into ${relative(ROOT, DOC)}`);
    }
    if (options.json !== undefined)
      writeFileSync(options.json, `${JSON.stringify({ options, image, node, wrk, nginx, names, measured }, null, 2)}\n`);
    return missed;
  } finally {
    cleanup();
  }
}

const command = defineCommand({
  name: 'bench',
  usage: USAGE,
  options: BENCH_OPTIONS,
  run: async (line) => {
    const options = optionsOf(line);
    const missed = await bench(options);
    return options.strict && missed.length > 0 ? EXIT.failed : EXIT.ok;
  },
});

await runAsProcess(command);
