/**
 * Load runs: wrk (one thread, keep-alive connections, pinned to the load generator's core) against one server,
 * with the server's CPU time per answered request read from /proc, and its share of its core over the run (well
 * below 100% means the load generator, not the server, set the pace).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuUsOf, pinned, run, type Running } from './processes.js';
import { JWKS_PATH, METADATA_PATH } from './responses.js';

/** The kinds of request the servers are loaded with, each gated against the minimal Koa app. */
export const SCENARIOS = [
  { name: 'jwks', path: JWKS_PATH, revalidate: false },
  { name: 'metadata', path: METADATA_PATH, revalidate: false },
  // GET with If-None-Match: the server's current ETag, answered 304.
  { name: 'jwks-304', path: JWKS_PATH, revalidate: true },
] as const;
export type ScenarioName = (typeof SCENARIOS)[number]['name'];
type Scenario = (typeof SCENARIOS)[number];

/** What one load run measured. */
export interface LoadResult {
  readonly rps: number;
  /** Server CPU time (user + system) per answered request, µs. */
  readonly cpuUs: number;
  /** Server CPU time over wall time, % of one core. */
  readonly busy: number;
  /** Socket errors and answers outside 2xx/3xx: a run with any is not valid. */
  readonly errors: number;
}

interface Load {
  readonly connections: number;
  readonly seconds: number;
  /** Where wrk's scripts are written. */
  readonly dir: string;
}

/**
 * wrk's Lua for the requests of `scenarios` in turn, with `etags` by path. One scenario (its path is in the URL)
 * only sets a header, so wrk sends one prebuilt request with no Lua call per request; several take turns through
 * `request()`.
 */
function script(scenarios: readonly Scenario[], etags: Readonly<Record<string, string>>): string {
  const etag = (s: Scenario): string => JSON.stringify(etags[s.path] ?? '');
  const [only] = scenarios;
  if (scenarios.length === 1 && only !== undefined) {
    return only.revalidate ? `wrk.headers["If-None-Match"] = ${etag(only)}\n` : '';
  }
  // Built in init(), once wrk has set its Host header (a request without one is answered 400).
  const requests = scenarios.map((s) => `get(${JSON.stringify(s.path)}${s.revalidate ? `, ${etag(s)}` : ''})`);
  return `local all
local i = 0
init = function()
  local function get(path, etag)
    return wrk.format("GET", path, { ["Host"] = wrk.headers["Host"], ["If-None-Match"] = etag })
  end
  all = { ${requests.join(', ')} }
end
request = function() i = i % #all + 1; return all[i] end
`;
}

async function wrk(server: Running, scenarios: readonly Scenario[], etags: Readonly<Record<string, string>>, load: Load) {
  const file = join(load.dir, `${server.target.name}-${scenarios.map((s) => s.name).join('+')}.lua`);
  writeFileSync(file, script(scenarios, etags));
  const args = [
    '-t1',
    `-c${load.connections}`,
    `-d${load.seconds}s`,
    '--timeout',
    '5s',
    '-s',
    file,
    `http://127.0.0.1:${server.port}${scenarios[0]?.path ?? '/'}`,
  ];
  const out = await run(...pinned(1, 'wrk', args));
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    // wrk counts statuses outside 2xx/3xx only; a 200 for a 304 is ruled out by the check before the load.
    errors:
      (socket?.slice(1) ?? []).reduce((sum, n) => sum + Number(n), 0) + Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
  };
}

/** Loads `server` with `scenario` for `load.seconds`; `etags` are the server's own, by path. */
export async function measure(
  server: Running,
  scenario: Scenario,
  etags: Readonly<Record<string, string>>,
  load: Load,
): Promise<LoadResult> {
  const pid = server.child.pid ?? 0;
  const cpuBefore = cpuUsOf(pid);
  const t0 = performance.now();
  const result = await wrk(server, [scenario], etags, load);
  const wallUs = (performance.now() - t0) * 1000;
  const cpuUs = cpuUsOf(pid) - cpuBefore;
  return {
    rps: result.requests / load.seconds,
    cpuUs: cpuUs / Math.max(1, result.requests),
    busy: (100 * cpuUs) / wallUs,
    errors: result.errors,
  };
}

/**
 * Warms `server` up (JIT, caches, young generation) with every scenario's request in turn; resolves with the number
 * of socket errors and answers outside 2xx/3xx.
 */
export async function warmUp(server: Running, etags: Readonly<Record<string, string>>, load: Load): Promise<number> {
  return (await wrk(server, SCENARIOS, etags, load)).errors;
}
