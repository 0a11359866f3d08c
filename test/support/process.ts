import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The production entry, as operators and the container run it. */
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** What a process that ran to its end printed, and its exit code. */
export interface FinishedProcess {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `env` and what every child needs from the test's environment: PATH, and TMPDIR, so that what a child leaves in its
 * temporary directory is found by the global teardown (test/global-setup.ts) like a test's own leftovers.
 */
export function childEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const { PATH = '', TMPDIR } = process.env;
  return { PATH, ...(TMPDIR === undefined ? {} : { TMPDIR }), ...env };
}

/**
 * Runs `command args…` to its end in `cwd`, with exactly `env` plus PATH and TMPDIR (the test's environment when
 * `env` is not given), and resolves with its exit code and output, whatever the code.
 */
export function runToEnd(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Readonly<Record<string, string>> } = {},
): Promise<FinishedProcess> {
  const env = options.env === undefined ? process.env : childEnv(options.env);
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

/**
 * Runs `command args…` to its end as {@link runToEnd} does, but with its stdout a pipe whose reader has already
 * gone, as `… | head -1` leaves it once head has its line: every write to stdout fails with EPIPE.
 */
export function runIntoClosedPipe(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Readonly<Record<string, string>> } = {},
): Promise<Omit<FinishedProcess, 'stdout'>> {
  const env = options.env === undefined ? process.env : childEnv(options.env);
  const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the child has started, so that its first write already meets a pipe without a reader.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return once(child, 'close').then(([code]) => ({ code: code as number, stderr }));
}

/** A spawned process of the service, with its parsed log lines. */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** Resolves with the `listening` line (LOG_LEVEL must be info or lower); rejects when the process exits first. */
  readonly listening: Promise<Record<string, unknown>>;
}

/** Spawns `command` with exactly `env` (plus PATH and TMPDIR) and collects its pino lines. */
export function spawnLogged(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env: Readonly<Record<string, string>>; detached?: boolean },
): NodeProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    detached: options.detached,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(part) as Record<string, unknown>;
        } catch {
          line = { msg: part };
        }
        lines.push(line);
        if (line.msg === 'listening') resolve(line);
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before listening: ${stderr}`)));
  });
  listening.catch(() => undefined);
  return { child, lines, stderr: () => stderr, exited, listening };
}

/** A spawned production server on loopback. */
export interface ServerProcess extends NodeProcess {
  readonly url: string;
  readonly adminUrl: string;
}

/**
 * Spawns `node dist/main.js` on free loopback ports with `env`, and resolves once it logs that it listens
 * (so LOG_LEVEL must be info or lower). `extra` adds flags after the entry.
 */
export async function spawnServer(env: Readonly<Record<string, string>>, extra: readonly string[] = []): Promise<ServerProcess> {
  const started = spawnLogged(process.execPath, [MAIN, ...extra], { env: { PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', ...env } });
  const line = await started.listening;
  return { ...started, url: `http://127.0.0.1:${String(line.port)}`, adminUrl: `http://127.0.0.1:${String(line.adminPort)}` };
}
