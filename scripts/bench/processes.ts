/**
 * The bench's processes: spawning a server pinned to core 0 (the load generator and the bench itself run on core
 * 1), waiting for its first 200, stopping it, and reading its CPU time and memory from /proc (Linux only).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { CommandError } from '../../src/errors.js';

/** Whether servers and load generator get a core each (2+ cores and `taskset`). */
export const PINNED = availableParallelism() >= 2 && spawnSync('taskset', ['-V']).error === undefined;

/** `command args` pinned to `core` when {@link PINNED}. */
export function pinned(core: number, command: string, args: readonly string[]): [string, string[]] {
  return PINNED ? ['taskset', ['-c', String(core), command, ...args]] : [command, [...args]];
}

/** Pins this process (the bench) to the load generator's core. */
export function pinSelf(): void {
  if (PINNED) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
}

/** The servers compared, in the order of the table. */
export const SERVER_NAMES = ['ours', 'koa-minimal', 'koa-idiomatic', 'bare', 'nginx'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** How to start one server. */
export interface Target {
  readonly name: ServerName;
  /** The command for a start on `port` (and `adminPort`, for the servers that have an admin listener). */
  readonly command: (port: number, adminPort: number) => { file: string; args: string[]; env: NodeJS.ProcessEnv };
  /** Where the server's stdout goes. */
  readonly stdout: string;
  /** Whether it computes its own ETag (nginx), compared by presence (`responses.ts`). */
  readonly ownEtag: boolean;
}

/** A started server. */
export interface Running {
  readonly target: Target;
  readonly child: ChildProcess;
  readonly port: number;
  /** Milliseconds from spawn to its first 200. */
  readonly startedMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** A port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

function status(port: number, path: string): Promise<number> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
    req.end();
  });
}

/** Spawns `target` and resolves once it answers `path` with 200. */
export async function start(target: Target, path: string): Promise<Running> {
  const port = await freePort();
  const adminPort = await freePort();
  const { file, args, env } = target.command(port, adminPort);
  const out = openSync(target.stdout, 'a');
  const t0 = performance.now();
  const child = spawn(...pinned(0, file, args), { env, stdio: ['ignore', out, 'pipe'] });
  closeSync(out);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  // Polled as fast as refused connections come back.
  while ((await status(port, path)) !== 200) {
    if (exited) throw new CommandError(`${target.name} exited before answering: ${stderr.trim()}`);
    if (performance.now() - t0 > 30_000) throw new CommandError(`${target.name} did not answer 200 within 30 s: ${stderr}`);
    await sleep(2);
  }
  return { target, child, port, startedMs: performance.now() - t0 };
}

/** Stops a server with SIGTERM (SIGKILL after 15 s). */
export async function stop(running: Running): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  const exited = once(running.child, 'exit');
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Resident memory of a process now (VmRSS), in kB. */
export function rssKbOf(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time (user + system) a process has used, in microseconds (fields 14 and 15 of proc(5) `stat`). */
export function cpuUsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/** Runs a command to completion; resolves with its stdout, rejects with its output when it fails. */
export async function run(command: string, args: readonly string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new CommandError(`${command} ${args.join(' ')} exited ${String(code)}: ${err}${out}`);
  return out;
}
