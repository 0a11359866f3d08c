/**
 * Load runs: wrk for GET (one thread, keep-alive, pinned to core 1) and `servers/head-load.js` for HEAD, with the
 * server's CPU time per answered request and its CPU share over the run, which says whether the load generator
 * kept it busy (a server well below 100% of its core means the generator, not the server, set the pace).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuUsOf, pinned, run, type Running } from './processes.js';
import { JWKS_PATH, METADATA_PATH } from './responses.js';

/** One kind of request the servers are loaded with. */
export interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly method: 'GET' | 'HEAD';
  /** Sends `If-None-Match` with the current ETag (answered 304). */
  readonly revalidate: boolean;
  /** Whether the 0.85x-of-minimal-Koa target applies. */
  readonly gated: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'jwks', path: JWKS_PATH, method: 'GET', revalidate: false, gated: true },
  { name: 'metadata', path: METADATA_PATH, method: 'GET', revalidate: false, gated: true },
  { name: 'jwks-304', path: JWKS_PATH, method: 'GET', revalidate: true, gated: true },
  { name: 'jwks-head', path: JWKS_PATH, method: 'HEAD', revalidate: false, gated: false },
];

/** What one load run measured. */
export interface LoadResult {
  readonly rps: number;
  readonly latencyMs: number;
  readonly errors: number;
  readonly unexpected: number;
  /** Server CPU time per answered request, µs. */
  readonly cpuUs: number;
  /** Server CPU time over wall time, % of one core. */
  readonly cpuPercent: number;
}

const HEAD_LOAD = fileURLToPath(new URL('servers/head-load.js', import.meta.url));

async function wrk(port: number, scenario: Scenario, etag: string, connections: number, seconds: number, dir: string) {
  const script = join(dir, `${scenario.name}.lua`);
  const lines = [`wrk.method = "${scenario.method}"`];
  if (scenario.revalidate) lines.push(`wrk.headers["If-None-Match"] = ${JSON.stringify(etag)}`);
  writeFileSync(script, `${lines.join('\n')}\n`);
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', script, `http://127.0.0.1:${port}${scenario.path}`];
  const out = await run(...pinned(1, 'wrk', args));
  const latency = /Latency\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const unit = { us: 0.001, ms: 1, s: 1000 }[(latency?.[2] ?? 'ms') as 'us' | 'ms' | 's'];
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    latencyMs: latency === null ? NaN : Number(latency[1]) * unit,
    errors: socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0),
    // wrk counts statuses outside 2xx/3xx only; a wrong 200 vs 304 is caught by the byte comparison beforehand.
    unexpected: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
  };
}

async function headLoad(port: number, scenario: Scenario, connections: number, seconds: number) {
  const out = await run(...pinned(1, process.execPath, [HEAD_LOAD, String(port), scenario.path, String(connections), String(seconds)]));
  return JSON.parse(out) as { requests: number; unexpected: number; errors: number; latencyMs: number };
}

/** Loads `server` with `scenario` for `seconds`. */
export async function measure(
  server: Running,
  scenario: Scenario,
  etag: string,
  options: { readonly connections: number; readonly seconds: number; readonly dir: string },
): Promise<LoadResult> {
  const pid = server.child.pid ?? 0;
  const cpuBefore = cpuUsOf(pid);
  const t0 = performance.now();
  const result =
    scenario.method === 'HEAD'
      ? await headLoad(server.port, scenario, options.connections, options.seconds)
      : await wrk(server.port, scenario, etag, options.connections, options.seconds, options.dir);
  const wallUs = (performance.now() - t0) * 1000;
  const cpuUs = cpuUsOf(pid) - cpuBefore;
  return {
    rps: result.requests / options.seconds,
    latencyMs: result.latencyMs,
    errors: result.errors,
    unexpected: result.unexpected,
    cpuUs: cpuUs / Math.max(1, result.requests),
    cpuPercent: (100 * cpuUs) / wallUs,
  };
}
