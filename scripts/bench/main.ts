/**
 * `npm run bench`: throughput, startup and memory of the production build side by side, in one run, with a
 * minimal Koa app (`servers/koa-minimal.js`) and a bare node:http server (`servers/bare.js`) that answer the same
 * bytes with the same headers. A benchmark, not a test: it prints a table and one `summary:` line per target, and
 * exits 0 unless it could not run (`--strict`: also 1 when a target is missed). `--help` lists the flags.
 *
 * Ours runs as operators run it, `node dist/main.js`, with the default configuration (request log at `info` to
 * stdout, sent to /dev/null or `--log-file` as a log shipper would read it). Servers run on core 0, wrk on core 1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCommand, EXIT, runAsProcess } from '../../src/cli/command.js';
import { measure, SCENARIOS, type LoadResult } from './load.js';
import { BENCH_OPTIONS, optionsOf, USAGE, type Options } from './options.js';
import { memoryOf, PINNED, pinSelf, start, stop, type Running, type Target } from './processes.js';
import { captureOurs, differences, JWKS_PATH, type CapturedPaths } from './responses.js';
import { printReport, type Figures } from './report.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SERVERS = (name: string): string => fileURLToPath(new URL(`servers/${name}`, import.meta.url));
type Name = Target['name'];
const NAMES: readonly Name[] = ['ours', 'koa', 'bare'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when asked to, or when it is missing or older than src/, generated/ or the lockfile. */
function ensureBuild(options: Options, entry: string): void {
  const isDefault = entry === join(ROOT, 'dist/main.js');
  let stale: boolean;
  try {
    const inputs = [
      newestMtime(join(ROOT, 'src')),
      newestMtime(join(ROOT, 'generated')),
      statSync(join(ROOT, 'package-lock.json')).mtimeMs,
    ];
    stale = isDefault && Math.max(...inputs) > statSync(entry).mtimeMs;
  } catch {
    stale = true;
  }
  if (options.build === 'always' || (options.build === 'auto' && stale)) {
    if (!isDefault) throw new Error(`--entry ${entry}: only dist/main.js is built here`);
    console.log('building dist/ (npm run build) ...');
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: ROOT, stdio: 'inherit' });
  } else {
    console.log(`reusing ${relative(ROOT, entry)}${stale ? ' (older than its sources; --no-build given)' : ''}`);
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/** Runs the bench; resolves with whether a target was missed. */
async function bench(options: Options): Promise<boolean> {
  const entry = resolve(ROOT, options.entry ?? 'dist/main.js');
  pinSelf();
  ensureBuild(options, entry);
  const dir = mkdtempSync(join(tmpdir(), 'archera-bench-'));
  const children: Running[] = [];
  const started = async (target: Target): Promise<Running> => {
    const running = await start(target, JWKS_PATH);
    children.push(running);
    return running;
  };
  const cleanup = (): void => {
    for (const running of children) if (running.child.exitCode === null) running.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    console.log(
      `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, load average ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      PINNED ? 'pinning: servers on core 0, load generator on core 1 (taskset)' : 'pinning: off (fewer than 2 cores or no taskset)',
    );
    const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra });
    const responses = join(dir, 'responses.json');
    // A baseline server answers the responses captured from ours (servers/responses.js).
    const baseline = (name: 'koa' | 'bare', file: string): Target => ({
      name,
      command: process.execPath,
      args: [SERVERS(file)],
      env: (port) => env({ PORT: String(port), BENCH_RESPONSES: responses }),
      stdout: '/dev/null',
    });
    const targets: Record<Name, Target> = {
      ours: {
        name: 'ours',
        command: process.execPath,
        args: [entry],
        // ISSUER fixed, so every start serves the same bytes whatever port it binds.
        env: (port, adminPort) =>
          env({ PORT: String(port), ADMIN_PORT: String(adminPort), HOST: '127.0.0.1', ISSUER: 'http://localhost:3000' }),
        stdout: options.logFile,
      },
      koa: baseline('koa', 'koa-minimal.js'),
      bare: baseline('bare', 'bare.js'),
    };

    // Our answers, copied into both baselines.
    const probe = await started(targets.ours);
    const captured: CapturedPaths = await captureOurs(probe.port);
    await stop(probe);
    writeFileSync(responses, JSON.stringify(captured));

    const startup: Record<Name, number[]> = { ours: [], koa: [], bare: [] };
    for (let i = 0; i < options.startupReps; i += 1) {
      for (const name of i % 2 === 0 ? NAMES : [...NAMES].reverse()) {
        const running = await started(targets[name]);
        startup[name].push(running.startedMs);
        await stop(running);
      }
    }

    const scenarios = SCENARIOS.filter((s) => options.scenarios === undefined || options.scenarios.includes(s.name));
    const etagOf = (path: string): string => captured[path]?.etag ?? '';
    const load = { connections: options.connections, dir };
    const results = new Map(
      scenarios.map((s) => [s.name, { ours: [] as LoadResult[], koa: [] as LoadResult[], bare: [] as LoadResult[] }]),
    );
    const paired = new Map(scenarios.map((s) => [s.name, [] as number[]]));
    const memory: Record<Name, Array<{ rssKb: number; hwmKb: number }>> = { ours: [], koa: [], bare: [] };
    const perRound = options.warmup * scenarios.length * NAMES.length + scenarios.length * (NAMES.length + 1) * options.duration;
    console.log(
      `load: ${options.rounds} rounds, each on new server processes: ${scenarios.length} scenarios × (3 servers + ours and koa paired) × ${options.duration} s after ${options.warmup} s of warm-up, ${options.connections} connections (~${Math.round(options.rounds * perRound)} s)`,
    );
    for (let round = 0; round < options.rounds; round += 1) {
      // New processes every round: two processes of one program differ by up to ~15% in CPU per request for the
      // whole of their life on this kind of machine (memory placement), so one process per server would fix that
      // luck into every figure; medians over rounds spread it.
      const servers = {} as Record<Name, Running>;
      for (const name of round % 2 === 0 ? NAMES : [...NAMES].reverse()) servers[name] = await started(targets[name]);
      for (const name of ['koa', 'bare'] as const) {
        const problems = await differences(servers.ours.port, servers[name].port, captured);
        if (problems.length > 0) throw new Error(`${name} does not answer the same bytes as ours:\n${problems.join('\n')}`);
      }
      if (round === 0) console.log('koa and bare answer byte-identical responses (Date and the X-Request-Id value aside): OK');
      if (options.warmup > 0) {
        for (const name of NAMES)
          for (const s of scenarios) await measure(servers[name], s, etagOf(s.path), { ...load, seconds: options.warmup });
      }
      const line: string[] = [];
      for (const [index, s] of scenarios.entries()) {
        // A different order each round and scenario, so drift on the machine does not favour one server.
        const order = [...NAMES.slice((round + index) % 3), ...NAMES.slice(0, (round + index) % 3)];
        for (const name of order) {
          const result = await measure(servers[name], s, etagOf(s.path), { ...load, seconds: options.duration });
          results.get(s.name)?.[name].push(result);
          if (result.errors > 0 || result.unexpected > 0)
            console.log(`  warning: ${name} ${s.name}: ${result.errors} socket errors, ${result.unexpected} unexpected statuses`);
        }
        const r = results.get(s.name);
        line.push(`${s.name} ${NAMES.map((name) => Math.round(r?.[name].at(-1)?.rps ?? 0)).join('/')}`);
      }
      // Paired: ours and the Koa app loaded at the same time, sharing core 0, each by its own load generator. Whatever
      // else runs on the machine then slows both alike, so their CPU time per request compares even on a busy
      // machine. Which load generator starts first alternates by round.
      for (const s of scenarios) {
        const pair = round % 2 === 0 ? (['ours', 'koa'] as const) : (['koa', 'ours'] as const);
        const [first, second] = await Promise.all(
          pair.map((name) => measure(servers[name], s, etagOf(s.path), { ...load, seconds: options.duration })),
        );
        if (first !== undefined && second !== undefined) {
          const [ours, koa] = pair[0] === 'ours' ? [first, second] : [second, first];
          paired.get(s.name)?.push(koa.cpuUs / ours.cpuUs);
        }
      }
      for (const name of NAMES) memory[name].push(memoryOf(servers[name].child.pid ?? 0));
      console.log(`  round ${round + 1}: ${line.join('  ')}  [ours/koa/bare req/s]  load average ${loadavg()[0]?.toFixed(2) ?? '?'}`);
      for (const name of NAMES) await stop(servers[name]);
    }

    const figures: Figures = {
      throughput: scenarios.map((s) => {
        const r = results.get(s.name) ?? { ours: [], koa: [], bare: [] };
        const pick = (name: Name, field: 'rps' | 'cpuUs' | 'cpuPercent'): number => median(r[name].map((x) => x[field]));
        return {
          scenario: s.name,
          gated: s.gated,
          rps: { ours: pick('ours', 'rps'), koa: pick('koa', 'rps'), bare: pick('bare', 'rps') },
          cpuUs: { ours: pick('ours', 'cpuUs'), koa: pick('koa', 'cpuUs'), bare: pick('bare', 'cpuUs') },
          cpuPercent: { ours: pick('ours', 'cpuPercent'), koa: pick('koa', 'cpuPercent'), bare: pick('bare', 'cpuPercent') },
          vsKoa: median(r.ours.map((x, i) => x.rps / (r.koa[i]?.rps ?? NaN))),
          vsBare: median(r.ours.map((x, i) => x.rps / (r.bare[i]?.rps ?? NaN))),
          pairedVsKoa: median(paired.get(s.name) ?? []),
        };
      }),
      startupMs: { ours: median(startup.ours), koa: median(startup.koa), bare: median(startup.bare) },
      rssKb: {
        ours: median(memory.ours.map((m) => m.rssKb)),
        koa: median(memory.koa.map((m) => m.rssKb)),
        bare: median(memory.bare.map((m) => m.rssKb)),
      },
      hwmKb: {
        ours: median(memory.ours.map((m) => m.hwmKb)),
        koa: median(memory.koa.map((m) => m.hwmKb)),
        bare: median(memory.bare.map((m) => m.hwmKb)),
      },
      rssVsBare: median(memory.ours.map((m, i) => m.rssKb / (memory.bare[i]?.rssKb ?? NaN))),
      loadAverage: loadavg()[0] ?? NaN,
    };
    const missed = printReport(figures, options);
    if (options.json !== undefined)
      writeFileSync(options.json, `${JSON.stringify({ options, figures, startup, results: Object.fromEntries(results) }, null, 2)}\n`);
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
    return options.strict && missed ? EXIT.failed : EXIT.ok;
  },
});

await runAsProcess(command);
