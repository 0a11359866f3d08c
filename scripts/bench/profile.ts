/**
 * CPU profile of the production build under load (or of its startup), aggregated by self time.
 *
 *   npx tsx scripts/bench/profile.ts [--path /.well-known/jwks.json] [--seconds 10] [--entry dist/main.js]
 *   npx tsx scripts/bench/profile.ts --startup          # profile from spawn to first 200, then stop
 *   npx tsx scripts/bench/profile.ts --analyze FILE.cpuprofile [--map dist/main.js.map]
 *
 * Runs `node --cpu-prof <entry>` on core 0 (stdout to /dev/null), loads it with wrk on core 1, stops it with
 * SIGTERM (the graceful shutdown exits 0, which writes the profile), then prints self time by function and by
 * package. Bundle locations are mapped back to their sources with the entry's source map, so the package of a
 * function in `dist/main.js` is known (`koa`, `pino`, `src/http`, ...).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { positiveWholeNumber, type CommandLine } from '../../src/cli/args.js';
import { defineCommand, EXIT, processIo, runAsProcess, type WithHelp } from '../../src/cli/command.js';
import { freePort, pinned } from './processes.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const USAGE = `usage: npx tsx scripts/bench/profile.ts [--path P] [--seconds S] [--entry FILE] [--log-file FILE] [--top N]
       npx tsx scripts/bench/profile.ts --startup [--entry FILE]
       npx tsx scripts/bench/profile.ts --analyze FILE.cpuprofile [--map FILE.map] [--top N]

  --path P          the path loaded (default /.well-known/jwks.json)
  --seconds S       seconds of load (default 10)
  --entry FILE      the server's entry (default dist/main.js, built by npm run build)
  --log-file FILE   where the server's stdout goes (default /dev/null)
  --top N           functions listed (default 30)
  --startup         profile from spawn to the first 200, then stop (no load)
  --analyze FILE    print the summary of an existing .cpuprofile (--map: its bundle's source map)
  -h, --help        show this text`;

const OPTIONS = {
  path: { type: 'string' },
  seconds: { type: 'string' },
  entry: { type: 'string' },
  'log-file': { type: 'string' },
  top: { type: 'string' },
  startup: { type: 'boolean' },
  analyze: { type: 'string' },
  map: { type: 'string' },
} as const;

type Flags = CommandLine<WithHelp<typeof OPTIONS>>['values'];

/** How many functions to list. */
const topOf = (flags: Flags): number => positiveWholeNumber('top', flags.top) ?? 30;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function status(port: number, path: string): Promise<number> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', () => done(0));
    req.end();
  });
}

/** Where a bundle location came from: `koa`, `@koa/router`, `src/http`, `node:internal`, ... */
function packageOf(source: string): string {
  const nm = source.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const parts = source.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? source);
  }
  const src = source.indexOf('src/');
  if (src !== -1) return source.slice(src, source.lastIndexOf('/'));
  return source;
}

function analyze(file: string, mapFile: string | undefined, top = 30): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const map = mapFile === undefined ? undefined : new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const time = self.get(node.id) ?? 0;
    if (time === 0) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    let where = url === '' ? '' : url.replace(/^file:\/\//, '');
    let pkg: string;
    if (url === '') pkg = functionName.startsWith('(') ? functionName : '(native)';
    else if (url.startsWith('node:')) pkg = 'node:internal';
    else if (map !== undefined && url.endsWith('.js') && !url.includes('/node_modules/')) {
      const entry = map.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number };
      const source = entry.originalSource ?? '';
      pkg = source === '' ? 'dist/main.js' : packageOf(source);
      where =
        source === ''
          ? `main.js:${lineNumber + 1}`
          : `${source.replace(/^.*node_modules\//, '').replace(/^.*\/src\//, 'src/')}:${(entry.originalLine ?? 0) + 1}`;
    } else pkg = packageOf(where);
    if (url.startsWith('node:')) where = `${url}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}  ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + time);
  }
  const print = (title: string, entries: Map<string, number>, limit: number): void => {
    processIo.out(`\n${title}`);
    for (const [key, time] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
      processIo.out(`  ${((100 * time) / total).toFixed(1).padStart(5)}%  ${(time / 1000).toFixed(0).padStart(6)} ms  ${key}`);
    }
  };
  processIo.out(`profile ${file}: ${(total / 1e6).toFixed(2)} s sampled`);
  print('self time by package', byPackage, 25);
  print('self time by function', byFunction, top);
}

async function profileRun(flags: Flags): Promise<void> {
  const entry = resolve(ROOT, flags.entry ?? 'dist/main.js');
  const path = flags.path ?? '/.well-known/jwks.json';
  const seconds = positiveWholeNumber('seconds', flags.seconds) ?? 10;
  const startup = flags.startup === true;
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'tmp', 'profile-'));
  const port = await freePort();
  const adminPort = await freePort();
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval', startup ? '50' : '200', entry];
  const out = openSync(flags['log-file'] ?? '/dev/null', 'a');
  const child = spawn(...pinned(0, process.execPath, nodeArgs), {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ADMIN_PORT: String(adminPort), HOST: '127.0.0.1' },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const started = performance.now();
  while ((await status(port, path)) !== 200) await new Promise((done) => setTimeout(done, 2));
  processIo.out(`first 200 after ${(performance.now() - started).toFixed(0)} ms`);
  if (!startup) {
    const [command, args] = pinned(1, 'wrk', ['-t1', '-c50', `-d${seconds}s`, `http://127.0.0.1:${port}${path}`]);
    processIo.out(
      /Requests\/sec:.*/.exec(spawnSync(command, args, { encoding: 'utf8' }).stdout)?.[0] ?? 'wrk printed no Requests/sec line',
    );
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no profile written in ${dir}`);
  analyze(join(dir, file), `${entry}.map`, topOf(flags));
}

const command = defineCommand({
  name: 'profile',
  usage: USAGE,
  options: OPTIONS,
  run: async ({ values: flags }) => {
    if (flags.analyze !== undefined) analyze(flags.analyze, flags.map ?? join(ROOT, 'dist/main.js.map'), topOf(flags));
    else await profileRun(flags);
    return EXIT.ok;
  },
});

await runAsProcess(command);
