/**
 * `npm run bench`: throughput, startup and memory of the production build against a bare `node:http` server
 * that answers the same paths with the same bytes. A benchmark, not a test: it prints figures and a PASS/FAIL
 * summary line per target, and exits 0 unless it could not run (`--strict` also exits 1 on a FAIL).
 *
 * - Builds `dist/main.js` when it is missing or older than `src/` (or always with `--build`, never with
 *   `--no-build`), then runs it as operators do: `node dist/main.js`, default configuration (contract routing
 *   and validation, ETag, CORS, security headers, request logging at `info` to stdout, sent to /dev/null or to
 *   `--log-file`, as a log shipper would consume it).
 * - Copies our responses (status, headers except the per-connection ones, body) for GET, HEAD and a 304
 *   revalidation into a tiny inline `node:http` server (a temp .mjs), checks that both answer byte-identically,
 *   then loads both alternately: `--rounds` rounds × each scenario × each target, `--duration` seconds per run,
 *   keep-alive, `--connections` connections. With 2+ cores, servers run on core 0 (`taskset -c 0`), the load
 *   generator and this script on core 1.
 * - Startup: time from spawning `node <entry>` to its first 200, `--startup-reps` times each, median.
 * - RSS: VmRSS of both servers after all load (and VmHWM, the peak).
 *
 * Flags (or env): --rounds N (BENCH_ROUNDS, 5), --duration S (BENCH_DURATION, 4), --warmup S (BENCH_WARMUP, 2),
 * --connections N (BENCH_CONNECTIONS, 50), --startup-reps N (BENCH_STARTUP_REPS, 7), --tool wrk|autocannon
 * (BENCH_TOOL, wrk when installed), --scenarios a,b (BENCH_SCENARIOS, all), --entry FILE (BENCH_ENTRY,
 * dist/main.js), --log-file FILE (BENCH_LOG_FILE, /dev/null), --build / --no-build, --strict, --json FILE.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const JWKS_PATH = '/.well-known/jwks.json';
const METADATA_PATH = '/.well-known/oauth-authorization-server';

// ---------------------------------------------------------------------------------------------------------------
// Options

interface Options {
  readonly rounds: number;
  readonly duration: number;
  readonly warmup: number;
  readonly connections: number;
  readonly startupReps: number;
  readonly tool: 'wrk' | 'autocannon';
  readonly scenarios: readonly string[] | undefined;
  readonly entry: string;
  readonly logFile: string;
  readonly build: 'auto' | 'always' | 'never';
  readonly strict: boolean;
  readonly json: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const flags = new Map<string, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (['build', 'no-build', 'strict', 'help'].includes(arg.slice(2))) bools.add(arg.slice(2));
    else {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i += 1;
    }
  }
  if (bools.has('help')) {
    process.stdout.write(`${readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]}*/\n`);
    process.exit(0);
  }
  const value = (flag: string, env: string): string | undefined => flags.get(flag) ?? process.env[env];
  const number = (flag: string, env: string, fallback: number, min: number): number => {
    const raw = value(flag, env);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed) || parsed < min) throw new Error(`--${flag} (${env}) must be a number >= ${min}`);
    return parsed;
  };
  const hasWrk = spawnSync('wrk', ['--version']).error === undefined;
  const tool = value('tool', 'BENCH_TOOL') ?? (hasWrk ? 'wrk' : 'autocannon');
  if (tool !== 'wrk' && tool !== 'autocannon') throw new Error('--tool must be wrk or autocannon');
  if (tool === 'wrk' && !hasWrk) throw new Error('wrk is not installed (apt-get install -y wrk), use --tool autocannon');
  const scenarios = value('scenarios', 'BENCH_SCENARIOS');
  return {
    rounds: Math.floor(number('rounds', 'BENCH_ROUNDS', 5, 1)),
    duration: number('duration', 'BENCH_DURATION', 4, 1),
    warmup: number('warmup', 'BENCH_WARMUP', 2, 0),
    connections: Math.floor(number('connections', 'BENCH_CONNECTIONS', 50, 1)),
    startupReps: Math.floor(number('startup-reps', 'BENCH_STARTUP_REPS', 7, 0)),
    tool,
    scenarios: scenarios === undefined ? undefined : scenarios.split(',').map((s) => s.trim()),
    entry: resolve(ROOT, value('entry', 'BENCH_ENTRY') ?? 'dist/main.js'),
    logFile: value('log-file', 'BENCH_LOG_FILE') ?? '/dev/null',
    build: bools.has('build') ? 'always' : bools.has('no-build') ? 'never' : 'auto',
    strict: bools.has('strict'),
    json: value('json', 'BENCH_JSON'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** Core pinning: servers on core 0, load generator (and this script) on core 1, when there are 2+ cores. */
const CORES = availableParallelism();
const PIN = CORES >= 2 && spawnSync('taskset', ['-V']).error === undefined;
function pinned(core: number, command: string, args: readonly string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', String(core), command, ...args]] : [command, [...args]];
}

interface Response {
  readonly status: number;
  /** Raw header pairs in wire order and casing. */
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
  readonly parsed: IncomingHttpHeaders;
}

function fetchRaw(port: number, path: string, method = 'GET', headers: Record<string, string> = {}, timeoutMs = 2000): Promise<Response> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i] ?? '', res.rawHeaders[i + 1] ?? '']);
        done({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks), parsed: res.headers });
      });
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

function rssOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/** CPU time (user + system) a process has used, in microseconds. */
function cpuUsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of proc(5), in clock ticks (USER_HZ, 100 on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

// ---------------------------------------------------------------------------------------------------------------
// Build

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuild(options: Options): void {
  const isDefaultEntry = options.entry === join(ROOT, 'dist/main.js');
  let stale: boolean;
  try {
    const built = statSync(options.entry).mtimeMs;
    stale = isDefaultEntry && Math.max(newestMtime(join(ROOT, 'src')), statSync(join(ROOT, 'package-lock.json')).mtimeMs) > built;
  } catch {
    stale = true;
  }
  if (options.build === 'always' || (options.build === 'auto' && stale)) {
    if (!isDefaultEntry) throw new Error(`--entry ${options.entry} does not exist; only dist/main.js is built here`);
    console.log('building dist/main.js (npx tsx scripts/build.ts) ...');
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: ROOT, stdio: 'inherit' });
  } else {
    console.log(`reusing ${relative(ROOT, options.entry)}${stale ? ' (older than src/, --no-build given)' : ''}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Servers

interface Target {
  readonly name: 'ours' | 'bare';
  readonly command: string;
  readonly args: readonly string[];
  readonly env: (port: number, adminPort: number) => NodeJS.ProcessEnv;
  /** Where the server's stdout goes. */
  readonly stdout: string;
}

interface Running {
  readonly target: Target;
  readonly child: ChildProcess;
  readonly port: number;
  readonly startedMs: number;
}

async function start(target: Target): Promise<Running> {
  const port = await freePort();
  const adminPort = await freePort();
  const out = openSync(target.stdout, 'a');
  const [command, args] = pinned(0, target.command, target.args);
  const t0 = performance.now();
  const child = spawn(command, args, { env: target.env(port, adminPort), stdio: ['ignore', out, 'pipe'] });
  closeSync(out);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  // First 200: poll as fast as connection refusals come back.
  for (;;) {
    if (exited) throw new Error(`${target.name} exited before answering: ${stderr}`);
    try {
      const response = await fetchRaw(port, JWKS_PATH, 'GET', {}, 1000);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 30_000) throw new Error(`${target.name} did not answer 200 within 30 s: ${stderr}`);
    await sleep(2);
  }
  return { target, child, port, startedMs: performance.now() - t0 };
}

async function stop(running: Running): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  const exited = once(running.child, 'exit');
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Per-connection headers Node writes itself on both servers; everything else is copied. */
const NODE_OWN = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

interface Captured {
  readonly status: number;
  readonly headers: Array<[string, string]>;
  readonly body: string;
}
interface CapturedPath {
  readonly etag: string;
  readonly get: Captured;
  readonly head: Captured;
  readonly notModified: Captured;
}

function capture(response: Response): Captured {
  return {
    status: response.status,
    headers: response.headers.filter(([name]) => !NODE_OWN.has(name.toLowerCase())),
    body: response.body.toString('base64'),
  };
}

async function captureOurs(port: number): Promise<Record<string, CapturedPath>> {
  const result: Record<string, CapturedPath> = {};
  for (const path of [JWKS_PATH, METADATA_PATH]) {
    const get = await fetchRaw(port, path);
    const etag = get.parsed.etag;
    if (get.status !== 200 || typeof etag !== 'string') throw new Error(`GET ${path}: ${get.status}, ETag ${String(etag)}`);
    const head = await fetchRaw(port, path, 'HEAD');
    const notModified = await fetchRaw(port, path, 'GET', { 'If-None-Match': etag });
    if (head.status !== 200 || notModified.status !== 304)
      throw new Error(`HEAD ${path}: ${head.status}, 304 check: ${notModified.status}`);
    result[path] = { etag, get: capture(get), head: capture(head), notModified: capture(notModified) };
  }
  return result;
}

/** The bare server: one table lookup and one write per request, Node's http defaults plus our keep-alive timeout. */
function bareScript(paths: Record<string, CapturedPath>, keepAliveTimeoutMs: number): string {
  return `import { createServer } from 'node:http';
const captured = ${JSON.stringify(paths)};
const toResponse = (c) => ({ status: c.status, headers: c.headers.flat(), body: Buffer.from(c.body, 'base64') });
const routes = new Map(Object.entries(captured).map(([path, c]) => [path, { etag: c.etag, get: toResponse(c.get), head: toResponse(c.head), notModified: toResponse(c.notModified) }]));
const server = createServer({ keepAliveTimeout: ${keepAliveTimeoutMs} }, (req, res) => {
  const q = req.url.indexOf('?');
  const route = routes.get(q === -1 ? req.url : req.url.slice(0, q));
  if (route === undefined) { res.writeHead(404, ['Content-Length', '0']); res.end(); return; }
  const r = req.headers['if-none-match'] === route.etag ? route.notModified : req.method === 'HEAD' ? route.head : route.get;
  res.writeHead(r.status, r.headers);
  res.end(r.body.length > 0 ? r.body : undefined);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;
}

/** Both servers must answer the same bytes apart from Date and the request id's value. */
async function compare(ours: number, bare: number, paths: Record<string, CapturedPath>): Promise<string[]> {
  const problems: string[] = [];
  const normalize = (r: Response): string =>
    JSON.stringify([
      r.status,
      r.headers.filter(([n]) => n.toLowerCase() !== 'date').map(([n, v]) => [n, n.toLowerCase() === 'x-request-id' ? v.length : v]),
      r.body.toString('base64'),
    ]);
  for (const [path, c] of Object.entries(paths)) {
    for (const [method, headers] of [
      ['GET', {}],
      ['HEAD', {}],
      ['GET', { 'If-None-Match': c.etag }],
    ] as const) {
      const [a, b] = [await fetchRaw(ours, path, method, headers), await fetchRaw(bare, path, method, headers)];
      if (normalize(a) !== normalize(b))
        problems.push(`${method} ${path} ${JSON.stringify(headers)}:\n  ours ${normalize(a)}\n  bare ${normalize(b)}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Load

interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly method: 'GET' | 'HEAD';
  readonly revalidate: boolean;
  /** Whether it has a pass/fail target (the two documents); the others are reported. */
  readonly gated: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'jwks', path: JWKS_PATH, method: 'GET', revalidate: false, gated: true },
  { name: 'metadata', path: METADATA_PATH, method: 'GET', revalidate: false, gated: true },
  { name: 'jwks-304', path: JWKS_PATH, method: 'GET', revalidate: true, gated: false },
  { name: 'jwks-head', path: JWKS_PATH, method: 'HEAD', revalidate: false, gated: false },
];

interface LoadResult {
  readonly rps: number;
  /** Server CPU time (user + system) per answered request, in microseconds: robust to other load on the box. */
  cpuUs?: number;
  readonly latencyMs: number;
  readonly errors: number;
  readonly unexpected: number;
}

async function run(command: string, args: readonly string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${String(code)}: ${err}${out}`);
  return out;
}

function wrkLua(dir: string, scenario: Scenario, etag: string): string {
  const file = join(dir, `${scenario.name}.lua`);
  const lines = [`wrk.method = "${scenario.method}"`];
  if (scenario.revalidate) lines.push(`wrk.headers["If-None-Match"] = ${JSON.stringify(etag)}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * A minimal keep-alive load generator for HEAD: wrk 4.1 and autocannon both wait for a body after a HEAD
 * response's Content-Length and stall. One request in flight per connection; a response ends at its blank line
 * (HEAD and 304 have no body). Prints `{ requests, unexpected, errors, latencyMs }` as JSON.
 */
const RAW_LOAD = `import { connect } from 'node:net';
const [port, path, method, connections, seconds, extra] = process.argv.slice(2);
const head = Buffer.from(method + ' ' + path + ' HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\n' + (extra ? extra + '\\r\\n' : '') + '\\r\\n');
let requests = 0, unexpected = 0, errors = 0, latency = 0, running = true;
const sockets = [];
for (let i = 0; i < Number(connections); i += 1) {
  const socket = connect(Number(port), '127.0.0.1');
  socket.setNoDelay(true);
  let pending = '', sent = 0;
  const send = () => { sent = performance.now(); socket.write(head); };
  socket.on('connect', send);
  socket.on('data', (chunk) => {
    pending += chunk.latin1Slice();
    let end;
    while ((end = pending.indexOf('\\r\\n\\r\\n')) !== -1) {
      if (!pending.startsWith('HTTP/1.1 2') && !pending.startsWith('HTTP/1.1 3')) unexpected += 1;
      pending = pending.slice(end + 4);
      if (running) { requests += 1; latency += performance.now() - sent; send(); }
    }
  });
  socket.on('error', () => { errors += 1; });
  sockets.push(socket);
}
setTimeout(() => {
  running = false;
  for (const socket of sockets) socket.destroy();
  process.stdout.write(JSON.stringify({ requests, unexpected, errors, latencyMs: latency / Math.max(1, requests) }));
}, Number(seconds) * 1000);
`;

/** Runs {@link load} and adds the server's CPU time per request. */
async function measure(
  options: Options,
  server: Running,
  scenario: Scenario,
  etag: string,
  seconds: number,
  dir: string,
): Promise<LoadResult> {
  const pid = server.child.pid ?? 0;
  const before = cpuUsOf(pid);
  const result = await load(options, server.port, scenario, etag, seconds, dir);
  result.cpuUs = (cpuUsOf(pid) - before) / Math.max(1, result.rps * seconds);
  return result;
}

async function load(options: Options, port: number, scenario: Scenario, etag: string, seconds: number, dir: string): Promise<LoadResult> {
  const url = `http://127.0.0.1:${port}${scenario.path}`;
  const expected = scenario.revalidate ? 304 : 200;
  if (scenario.method === 'HEAD') {
    const file = join(dir, 'raw-load.mjs');
    writeFileSync(file, RAW_LOAD);
    const extra = scenario.revalidate ? `If-None-Match: ${etag}` : '';
    const args = [file, String(port), scenario.path, scenario.method, String(options.connections), String(seconds), extra];
    const [command, pinnedArgs] = pinned(1, process.execPath, args);
    const report = JSON.parse(await run(command, pinnedArgs)) as {
      requests: number;
      unexpected: number;
      errors: number;
      latencyMs: number;
    };
    return { rps: report.requests / seconds, latencyMs: report.latencyMs, errors: report.errors, unexpected: report.unexpected };
  }
  if (options.tool === 'wrk') {
    const args = ['-t1', `-c${options.connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', wrkLua(dir, scenario, etag), url];
    const [command, pinnedArgs] = pinned(1, 'wrk', args);
    const out = await run(command, pinnedArgs);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
    const latency = /Latency\s+([\d.]+)(us|ms|s)\b/.exec(out);
    const latencyMs = latency === null ? NaN : Number(latency[1]) * ({ us: 0.001, ms: 1, s: 1000 }[latency[2] as 'us' | 'ms' | 's'] ?? NaN);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
    // wrk counts statuses outside 2xx/3xx only; a wrong 200 vs 304 is caught by the byte comparison beforehand.
    const unexpected = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    return { rps, latencyMs, errors, unexpected };
  }
  const cli = join(ROOT, 'node_modules/autocannon/autocannon.js');
  const args = [cli, '-j', '-n', '-c', String(options.connections), '-d', String(seconds), '-m', scenario.method];
  if (scenario.revalidate) args.push('-H', `If-None-Match=${etag}`);
  args.push(url);
  const [command, pinnedArgs] = pinned(1, process.execPath, args);
  const report = JSON.parse(await run(command, pinnedArgs)) as {
    requests: { average: number; total: number };
    latency: { average: number };
    errors: number;
    timeouts: number;
    statusCodeStats?: Record<string, { count: number }>;
  };
  const ok = report.statusCodeStats?.[String(expected)]?.count ?? report.requests.total;
  return {
    rps: report.requests.total / seconds,
    latencyMs: report.latency.average,
    errors: report.errors + report.timeouts,
    unexpected: Math.max(0, report.requests.total - ok),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Main

interface Summary {
  readonly figure: string;
  readonly value: number;
  readonly target: string;
  readonly pass: boolean | undefined;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  ensureBuild(options);
  const dir = mkdtempSync(join(tmpdir(), 'archera-bench-'));
  const children: Running[] = [];
  const cleanup = (): void => {
    for (const running of children) if (running.child.exitCode === null) running.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(`machine: ${CORES} cores (${cpu}), Node ${process.version}, load generator ${options.tool}`);
    console.log(PIN ? 'pinning: servers on core 0, load generator on core 1 (taskset)' : 'pinning: off (fewer than 2 cores or no taskset)');
    const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra });
    const ours: Target = {
      name: 'ours',
      command: process.execPath,
      args: [options.entry],
      env: (port, adminPort) => env({ PORT: String(port), ADMIN_PORT: String(adminPort), HOST: '127.0.0.1' }),
      stdout: options.logFile,
    };

    // Copy our responses into the bare server.
    const probe = await start(ours);
    children.push(probe);
    const paths = await captureOurs(probe.port);
    await stop(probe);
    const bareFile = join(dir, 'bare.mjs');
    writeFileSync(bareFile, bareScript(paths, 65_000));
    const bare: Target = {
      name: 'bare',
      command: process.execPath,
      args: [bareFile],
      env: (port) => env({ PORT: String(port) }),
      stdout: '/dev/null',
    };

    // Startup: spawn to first 200, alternating, median.
    const startup: Record<'ours' | 'bare', number[]> = { ours: [], bare: [] };
    for (let i = 0; i < options.startupReps; i += 1) {
      for (const target of i % 2 === 0 ? [ours, bare] : [bare, ours]) {
        const running = await start(target);
        children.push(running);
        startup[target.name].push(running.startedMs);
        await stop(running);
      }
    }

    // Load.
    const servers = { ours: await start(ours), bare: await start(bare) };
    children.push(servers.ours, servers.bare);
    // Paths captured by the probe are the same on every start, except the issuer's port in the metadata document,
    // which follows PORT (default ISSUER); the bare copy keeps the probe's bytes (same length: ports are 5 digits
    // in the ephemeral range; compare() below checks).
    const live = await captureOurs(servers.ours.port);
    writeFileSync(bareFile, bareScript(live, 65_000));
    await stop(servers.bare);
    servers.bare = await start(bare);
    children.push(servers.bare);
    const problems = await compare(servers.ours.port, servers.bare.port, live);
    if (problems.length > 0) throw new Error(`the bare server does not answer the same bytes:\n${problems.join('\n')}`);
    console.log('bare server answers byte-identical responses (Date and X-Request-Id values aside): OK');

    const scenarios = SCENARIOS.filter((s) => options.scenarios === undefined || options.scenarios.includes(s.name));
    const etagOf = (s: Scenario): string => live[s.path]?.etag ?? '';
    if (options.warmup > 0) {
      for (const name of ['ours', 'bare'] as const) {
        for (const s of scenarios) await measure(options, servers[name], s, etagOf(s), options.warmup, dir);
      }
    }
    const results = new Map<string, Record<'ours' | 'bare', LoadResult[]>>(scenarios.map((s) => [s.name, { ours: [], bare: [] }]));
    const total = options.rounds * scenarios.length * 2 * options.duration;
    console.log(
      `load: ${options.rounds} rounds × ${scenarios.length} scenarios × 2 servers × ${options.duration} s, ${options.connections} connections (~${Math.round(total)} s)`,
    );
    for (let round = 0; round < options.rounds; round += 1) {
      const line: string[] = [];
      for (const s of scenarios) {
        for (const name of (round + scenarios.indexOf(s)) % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const)) {
          const result = await measure(options, servers[name], s, etagOf(s), options.duration, dir);
          results.get(s.name)?.[name].push(result);
          if (result.errors > 0 || result.unexpected > 0) {
            console.log(`  warning: ${name} ${s.name}: ${result.errors} socket errors, ${result.unexpected} unexpected statuses`);
          }
        }
        const r = results.get(s.name);
        const last = (name: 'ours' | 'bare'): string => `${Math.round(r?.[name].at(-1)?.rps ?? 0)}`;
        const cpu = (name: 'ours' | 'bare'): string => (r?.[name].at(-1)?.cpuUs ?? NaN).toFixed(1);
        line.push(`${s.name} ${last('ours')}/${last('bare')} (${cpu('ours')}/${cpu('bare')}µs)`);
      }
      console.log(`  round ${round + 1}: ${line.join('  ')}  [ours/bare req/s (CPU µs/req)]`);
    }
    const memory = { ours: rssOf(servers.ours.child.pid ?? 0), bare: rssOf(servers.bare.child.pid ?? 0) };
    await stop(servers.ours);
    await stop(servers.bare);

    // Report.
    const summaries: Summary[] = [];
    const pad = (text: string, width: number): string => text.padStart(width);
    console.log('\nthroughput (median of rounds; CPU/req = server CPU time per answered request, bare/ours = CPU efficiency ratio)');
    console.log(
      `  ${'scenario'.padEnd(10)} ${pad('ours req/s', 11)} ${pad('bare req/s', 11)} ${pad('ratio', 6)} ${pad('ours lat', 9)} ${pad('bare lat', 9)}` +
        `   ${pad('ours CPU/req', 12)} ${pad('bare CPU/req', 12)} ${pad('bare/ours', 9)}`,
    );
    for (const s of scenarios) {
      const r = results.get(s.name);
      if (r === undefined) continue;
      const o = median(r.ours.map((x) => x.rps));
      const b = median(r.bare.map((x) => x.rps));
      const ratio = o / b;
      const lat = (xs: LoadResult[]): string => `${median(xs.map((x) => x.latencyMs)).toFixed(2)}ms`;
      const co = median(r.ours.map((x) => x.cpuUs ?? NaN));
      const cb = median(r.bare.map((x) => x.cpuUs ?? NaN));
      console.log(
        `  ${s.name.padEnd(10)} ${pad(o.toFixed(0), 11)} ${pad(b.toFixed(0), 11)} ${pad(ratio.toFixed(2), 6)} ${pad(lat(r.ours), 9)} ${pad(lat(r.bare), 9)}` +
          `   ${pad(`${co.toFixed(1)}µs`, 12)} ${pad(`${cb.toFixed(1)}µs`, 12)} ${pad((cb / co).toFixed(2), 9)}`,
      );
      summaries.push({
        figure: `${s.name} throughput ours/bare`,
        value: ratio,
        target: s.gated ? '>= 0.50' : 'reported',
        pass: s.gated ? ratio >= 0.5 : undefined,
      });
    }
    const so = median(startup.ours);
    const sb = median(startup.bare);
    if (options.startupReps > 0) {
      console.log(
        `\nstartup to first 200 (median of ${options.startupReps}): ours ${so.toFixed(0)} ms, bare ${sb.toFixed(0)} ms, ratio ${(so / sb).toFixed(2)}`,
      );
      console.log(
        `  ours: ${startup.ours.map((x) => x.toFixed(0)).join(' ')} ms; bare: ${startup.bare.map((x) => x.toFixed(0)).join(' ')} ms`,
      );
      summaries.push({ figure: 'startup ours/bare', value: so / sb, target: '<= 3.00', pass: so / sb <= 3 });
    }
    const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
    const rssRatio = memory.ours.rssKb / memory.bare.rssKb;
    console.log(`\nRSS after load (VmRSS): ours ${mb(memory.ours.rssKb)}, bare ${mb(memory.bare.rssKb)}, ratio ${rssRatio.toFixed(2)}`);
    console.log(`  peak (VmHWM): ours ${mb(memory.ours.hwmKb)}, bare ${mb(memory.bare.hwmKb)}`);
    summaries.push({ figure: 'RSS after load ours/bare', value: rssRatio, target: '<= 1.30', pass: rssRatio <= 1.3 });

    console.log('');
    for (const s of summaries) {
      const verdict = s.pass === undefined ? 'INFO' : s.pass ? 'PASS' : 'FAIL';
      console.log(`summary: ${s.figure} = ${s.value.toFixed(2)} (target ${s.target}) ${verdict}`);
    }
    if (options.json !== undefined) {
      writeFileSync(
        options.json,
        `${JSON.stringify({ options, results: Object.fromEntries(results), startup, memory, summaries }, null, 2)}\n`,
      );
    }
    if (options.strict && summaries.some((s) => s.pass === false)) process.exitCode = 1;
  } finally {
    cleanup();
  }
}

await main();
