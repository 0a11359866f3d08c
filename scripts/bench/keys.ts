/**
 * `npm run bench:keys`: what the key store costs, as figures (a benchmark, not a test; it exits 0 unless it could
 * not run, and prints PASS/FAIL against each target):
 *
 * - parse time of each adversarial key file up to the 1 MiB cap (repeated BEGIN lines, unterminated blocks,
 *   megabytes of base64, deeply nested or huge JSON), median of `--parses` runs, with its ratio to a linear
 *   baseline measured in the same run (`JSON.parse` of 1 MiB);
 * - event-loop lag while a directory of `--files` key files loads, at startup and when they appear in a
 *   watched directory (target: p99 under 50 ms);
 * - idle CPU of the production bundle (built into `tmp/bench-keys-dist`) with those files in `KEYS_DIR`, over
 *   `--idle` seconds, next to the same with one key; the difference is the keys' share (target: under 1 % of a
 *   core). From /proc, so Linux only.
 *
 * The lag figures come from a child process (this script with `--child`), so the measuring process adds nothing
 * to them, next to the lag of an idle child: what the machine's load alone adds. Flags: --files N (1000),
 * --idle S (10), --parses N (3), --help.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { positiveWholeNumber, refuseArguments } from '../../src/cli/args.js';
import { defineCommand, EXIT, processIo, runAsProcess } from '../../src/cli/command.js';
import { projectRoot } from '../../src/contract/spec.js';
import { parseKeyFile } from '../../src/keys/key-file.js';
import { KeyStore } from '../../src/keys/key-store.js';
import { MAX_KEY_FILE_BYTES } from '../../src/keys/key-dir.js';
import { silentLogger } from '../../src/observability/logger.js';

const SCRIPT = fileURLToPath(import.meta.url);
const LAG_TARGET_MS = 50;
const IDLE_TARGET_PERCENT = 1;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Child: runs the key store or the service and reports one JSON line per figure.

/** Event-loop delay sampled every 5 ms, in milliseconds. */
function lagMonitor(): { stop(): { p99: number; max: number } } {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 };
    },
  };
}

const report = (value: object): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};

async function child(mode: string, dir: string, argument: number): Promise<void> {
  if (mode === 'baseline') {
    // The lag of a process doing nothing, on this machine now: what the load of other processes alone adds.
    const lag = lagMonitor();
    await sleep(argument);
    report(lag.stop());
    return;
  }
  const storeOptions = { dir, defaultAlg: 'RS256' as const, rescanIntervalMs: 1000, logger: silentLogger() };
  if (mode === 'load') {
    const lag = lagMonitor();
    const started = performance.now();
    const store = await KeyStore.open(storeOptions);
    const ms = performance.now() - started;
    report({ published: store.stats.published, ms, ...lag.stop() });
    store.close();
    return;
  }
  // 'hot': the files appear once the store watches the directory.
  const store = await KeyStore.open(storeOptions);
  // The store's timers and watcher do not keep a process alive (the server does); this does, until done.
  const alive = setInterval(() => undefined, 1000);
  const done = new Promise<void>((resolve) => store.subscribe(() => store.stats.published >= argument && resolve()));
  const lag = lagMonitor();
  report({ ready: true });
  const started = performance.now();
  await done;
  report({ published: store.stats.published, ms: performance.now() - started, ...lag.stop() });
  clearInterval(alive);
  store.close();
}

// ---------------------------------------------------------------------------------------------------------------
// Parent

interface Figures {
  readonly [name: string]: number | boolean;
}

/** Runs this script as a child in `mode`; `onLine` sees each report, the last one is returned. */
async function runChild(mode: string, dir: string, argument: number, onLine: (line: Figures) => void = () => undefined): Promise<Figures> {
  const process_ = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--child', mode, dir, String(argument)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last: Figures = {};
  for await (const line of createInterface({ input: process_.stdout })) {
    last = JSON.parse(line) as Figures;
    onLine(last);
  }
  return last;
}

/** Adversarial key files at the size cap, by name. */
function adversarialInputs(): ReadonlyArray<readonly [string, string, string]> {
  const cap = MAX_KEY_FILE_BYTES;
  const fill = (unit: string, tail = '', head = ''): string =>
    head + unit.repeat(Math.floor((cap - head.length - tail.length) / unit.length)) + tail;
  return [
    ['repeated BEGIN lines', 'k.pem', fill('-----BEGIN X-----\n')],
    ['repeated BEGIN lines, one END last', 'k.pem', fill('-----BEGIN X-----\n', '-----END X-----\n')],
    ['unterminated block, 1 MiB of base64', 'k.pem', fill('QUFB', '', '-----BEGIN PUBLIC KEY-----\n')],
    ['one block of 1 MiB of base64', 'k.pem', fill('QUFB', '\n-----END PUBLIC KEY-----\n', '-----BEGIN PUBLIC KEY-----\n')],
    ['complete non-key blocks', 'k.pem', fill('-----BEGIN X-----\n-----END X-----\n')],
    ['BEGIN lines with 64-character labels', 'k.pem', fill(`-----BEGIN ${'A'.repeat(64)}-----\n`)],
    ['deeply nested JSON', 'k.json', `{"keys":${'['.repeat(cap / 2 - 10)}${']'.repeat(cap / 2 - 10)}}`],
    [
      'huge JWKS (75,000 entries)',
      'k.json',
      `{"keys":[${Array.from({ length: Math.floor((cap - 12) / 14) }, () => '{"kty":"RSA"}').join(',')}]}`,
    ],
    ['1 MiB kid', 'k.json', JSON.stringify({ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'k'.repeat(cap - 100) })],
    ['1 MiB of whitespace', 'k.json', fill(' ', '{}')],
  ];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timed(action: () => unknown, runs: number): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await action();
    times.push(performance.now() - started);
  }
  return median(times);
}

const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

/** What the parent measures: how many key files, seconds of idle CPU, and parses per adversarial input. */
interface BenchOptions {
  readonly files: number;
  readonly idleSeconds: number;
  readonly parses: number;
}

async function parent({ files, idleSeconds, parses }: BenchOptions): Promise<void> {
  const baselineText = JSON.stringify(Array.from({ length: MAX_KEY_FILE_BYTES / 8 }, (_, index) => index % 1_000_000)).slice(
    0,
    MAX_KEY_FILE_BYTES,
  );
  const baseline = await timed(() => JSON.parse(`${baselineText.slice(0, baselineText.lastIndexOf(','))}]`), parses);
  processIo.out(`adversarial key files (median of ${parses} parses; baseline: JSON.parse of 1 MiB = ${baseline.toFixed(1)} ms)`);
  processIo.out(`  ${'input'.padEnd(40)} ${'bytes'.padStart(9)} ${'ms'.padStart(8)} ${'× baseline'.padStart(11)}  refusal`);
  for (const [name, file, content] of adversarialInputs()) {
    let reason = '';
    const ms = await timed(async () => {
      const [entry] = await parseKeyFile(file, content, 'RS256');
      reason = entry?.status === 'refused' ? entry.reason : String(entry?.status ?? 'no entry');
    }, parses);
    processIo.out(
      `  ${name.padEnd(40)} ${String(Buffer.byteLength(content)).padStart(9)} ${ms.toFixed(1).padStart(8)} ${(ms / baseline).toFixed(2).padStart(11)}  ${reason.slice(0, 60)}`,
    );
  }

  const work = mkdtempSync(join(tmpdir(), 'bench-keys-'));
  try {
    const full = join(work, 'full');
    const one = join(work, 'one');
    // A few real keys, each under many kids (file names): the work per file is that of a distinct key.
    const pems = Array.from({ length: 8 }, () =>
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    writeDir(full, files, pems);
    writeDir(one, 1, pems);
    processIo.out(`\n${files} key files (${pems.length} distinct RSA 2048 keys, PKCS#8), in a child process`);

    const load = await runChild('load', full, 0);
    const baselineLag = await runChild('baseline', full, Math.max(1000, Number(load.ms)));
    const loadOk = Number(load.p99) < LAG_TARGET_MS && load.published === files;
    processIo.out(
      `  idle process:   event-loop lag p99 ${Number(baselineLag.p99).toFixed(1)} ms, max ${Number(baselineLag.max).toFixed(1)} ms (what this machine's load alone adds)`,
    );
    processIo.out(
      `  startup load:   ${String(load.published)} published in ${Number(load.ms).toFixed(0)} ms; event-loop lag p99 ${Number(load.p99).toFixed(1)} ms, max ${Number(load.max).toFixed(1)} ms  (target p99 < ${LAG_TARGET_MS} ms: ${verdict(loadOk)})`,
    );

    const empty = join(work, 'hot');
    writeDir(empty, 0, pems);
    const hot = await runChild('hot', empty, files, (line) => {
      if (line.ready === true) writeDir(empty, files, pems);
    });
    const hotOk = Number(hot.p99) < LAG_TARGET_MS && hot.published === files;
    processIo.out(
      `  hot load:       ${String(hot.published)} published ${Number(hot.ms).toFixed(0)} ms after they were written; lag p99 ${Number(hot.p99).toFixed(1)} ms, max ${Number(hot.max).toFixed(1)} ms  (target p99 < ${LAG_TARGET_MS} ms: ${verdict(hotOk)})`,
    );

    const bundle = buildBundle();
    const [idle, idleOne] = [await idlePercent(bundle, full, idleSeconds), await idlePercent(bundle, one, idleSeconds)];
    rmSync(dirname(bundle), { recursive: true, force: true });
    // The keys' share: the same service with one key idles on prom-client's default metrics and Node itself.
    const share = idle - idleOne;
    processIo.out(
      `  idle CPU:       the production bundle with ${files} keys uses ${idle.toFixed(2)} % of a core over ${idleSeconds} s, with 1 key ${idleOne.toFixed(2)} %: the keys' share ${share.toFixed(2)} %  (target < ${IDLE_TARGET_PERCENT} %: ${verdict(share < IDLE_TARGET_PERCENT)})`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds the production bundle into a private directory below the project (where it finds openapi.json). */
function buildBundle(): string {
  const outdir = join(projectRoot(), 'tmp', 'bench-keys-dist');
  execFileSync(process.execPath, ['--import', 'tsx', join(projectRoot(), 'scripts', 'build.ts'), '--outdir', outdir], { stdio: 'ignore' });
  return join(outdir, 'main.js');
}

/** Process CPU (user + system) in clock ticks, from proc(5): fields 14 and 15 of /proc/<pid>/stat. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU of `node bundle` serving `dir`, as a percentage of a core over `seconds`, once it has settled. */
async function idlePercent(bundle: string, dir: string, seconds: number): Promise<number> {
  const env = {
    PATH: process.env.PATH ?? '',
    KEYS_DIR: dir,
    PORT: '0',
    ADMIN_PORT: '0',
    HOST: '127.0.0.1',
    ISSUER: 'https://auth.example.com',
    LOG_LEVEL: 'info',
  };
  const server = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    for await (const line of createInterface({ input: server.stdout })) if (line.includes('"msg":"listening"')) break;
    server.stdout.resume();
    await sleep(3000);
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const before = cpuTicks(server.pid ?? 0);
    await sleep(seconds * 1000);
    return ((cpuTicks(server.pid ?? 0) - before) / ticksPerSecond / seconds) * 100;
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
}

/** Fills `dir` (created if needed) with `count` key files `k0000.pem`…, cycling through `pems`. */
function writeDir(dir: string, count: number, pems: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  const existing = new Set(readdirSync(dir));
  for (let index = 0; index < count; index += 1) {
    const name = `k${String(index).padStart(4, '0')}.pem`;
    if (!existing.has(name)) writeFileSync(join(dir, name), pems[index % pems.length] ?? '');
  }
}

const USAGE = `usage: npm run bench:keys -- [--files N] [--idle S] [--parses N]

  --files N   key files in the directory loaded at startup and hot (default 1000)
  --idle S    seconds of idle CPU measured per configuration (default 10)
  --parses N  parses of each adversarial key file; the median is shown (default 3)
  -h, --help  show this text`;

const command = defineCommand({
  name: 'bench:keys',
  usage: USAGE,
  // --child <mode> <dir> <argument> is how this script runs itself as the measured child process.
  options: { files: { type: 'string' }, idle: { type: 'string' }, parses: { type: 'string' }, child: { type: 'boolean' } },
  positionals: true,
  run: async ({ values, positionals }) => {
    if (values.child === true) {
      const [mode = '', dir = '', argument = '0'] = positionals;
      await child(mode, dir, Number(argument));
      return EXIT.ok;
    }
    refuseArguments(positionals);
    await parent({
      files: positiveWholeNumber('files', values.files) ?? 1000,
      idleSeconds: positiveWholeNumber('idle', values.idle) ?? 10,
      parses: positiveWholeNumber('parses', values.parses) ?? 3,
    });
    return EXIT.ok;
  },
});

await runAsProcess(command);
