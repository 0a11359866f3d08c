/**
 * Podman, as `npm run image:test` runs it: every command with runc (crun cannot set the container's rlimits on
 * hosts with hybrid cgroups) and with errors only on stderr, and every container with this process's own limits
 * for open files and processes (podman's defaults can exceed what the host grants, and runc then refuses to start
 * the container).
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CommandError } from '../../src/errors.js';

const ENGINE = ['--runtime', 'runc', '--log-level', 'error'];

/** Output kept from a failed command for its error message. */
const TAIL_LINES = 15;

/** Runs `podman <args>` and resolves with its stdout; a non-zero exit is a CommandError with its stderr's end. */
export function podman(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'podman',
      [...ENGINE, ...args],
      { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 0, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(new CommandError(`podman ${args.slice(0, 2).join(' ')}: ${failure(error, stderr)}`, { cause: error }));
      },
    );
  });
}

/** Runs `podman <args>` with its output shown (a build's steps), stdin from `input` when given. */
export function podmanShown(args: readonly string[], input?: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', [...ENGINE, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'] });
    if (input !== undefined) input.pipe(child.stdin!);
    child.once('error', (error) => reject(new CommandError(`podman ${args[0]}: ${error.message}`, { cause: error })));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new CommandError(`podman ${args.slice(0, 2).join(' ')}: exit ${code ?? signal} (its output is above)`));
    });
  });
}

/** Whether `podman <args>` exits 0 (`image exists`, `pull`), its output discarded. */
export function podmanSucceeds(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<boolean> {
  return podman(args, options).then(
    () => true,
    () => false,
  );
}

/**
 * `--ulimit` flags giving a container the hard limits of open files and processes this process has; processes at
 * most the kernel's pid_max, which is as many as can exist (and a kernel may refuse a limit above it).
 */
export function rlimitFlags(): string[] {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  // "Max open files   20000   20000   files": the hard limit is the second number; "unlimited" is -1 to podman.
  const hard = (name: string): string => {
    const value = new RegExp(`^${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(limits)?.[1];
    if (value === undefined) throw new CommandError(`/proc/self/limits has no "${name}"`);
    return value === 'unlimited' ? '-1' : value;
  };
  const files = hard('Max open files');
  const pidMax = readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim();
  const processes = String(Math.min(Number(hard('Max processes').replace('-1', 'Infinity')), Number(pidMax)));
  return ['--ulimit', `nofile=${files}:${files}`, '--ulimit', `nproc=${processes}:${processes}`];
}

function failure(error: Error & { code?: unknown; killed?: boolean }, stderr: string): string {
  if (error.killed === true) return 'timed out';
  const lines = stderr.trim().split('\n').filter(Boolean).slice(-TAIL_LINES);
  return lines.length > 0 ? lines.join('\n  ') : `exit ${String(error.code)}`;
}
