/**
 * One container of the image, run as the Deployment runs a pod (see pod.ts): started, waited for as the kubelet
 * waits for it, and stopped as the kubelet stops it (the preStop hook, then SIGTERM with what is left of the grace
 * period, then SIGKILL). Ports are published on 127.0.0.1 only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError } from '../../src/errors.js';
import type { Pod } from './pod.js';
import { podman, rlimitFlags } from './podman.js';

/** How a replica is started. */
export interface ReplicaOptions {
  readonly name: string;
  readonly image: string;
  readonly pod: Pod;
  /** Env on top of the pod's (the test's ISSUER). */
  readonly env: Readonly<Record<string, string>>;
  /** Host directory of each volume, by volume name. */
  readonly volumes: Readonly<Record<string, string>>;
  /** Host ports for container ports; the others get a free one. */
  readonly hostPorts?: Readonly<Record<number, number>>;
}

/** A started replica. */
export interface Replica {
  readonly name: string;
  /** `http://127.0.0.1:<host port>` of a container port. */
  readonly url: (containerPort: number) => string;
  /** Milliseconds from `podman run` to the readiness probe's first 200. */
  readonly readyAfterMs: number;
}

/** A container's ports as `podman port` lists them: `3000/tcp -> 127.0.0.1:41234`. */
const PORT_LINE = /^(\d+)\/tcp -> 127\.0\.0\.1:(\d+)$/;

/** Starts a replica and resolves once its readiness probe answers 200 (within the startup probe's budget). */
export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  const { pod } = options;
  const env = { ...pod.env, ...options.env };
  const args = [
    'run',
    '--detach',
    '--name',
    options.name,
    ...rlimitFlags(),
    ...pod.flags,
    ...Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
    ...pod.mounts.flatMap((mount) => ['--volume', `${options.volumes[mount.volume]}:${mount.mountPath}:ro`]),
    ...Object.values(pod.ports).flatMap((port) => ['--publish', `127.0.0.1:${options.hostPorts?.[port] ?? ''}:${port}`]),
    options.image,
  ];
  const started = Date.now();
  await podman(args);
  const hostPorts = new Map<number, number>();
  for (const line of (await podman(['port', options.name])).trim().split('\n')) {
    const match = PORT_LINE.exec(line.trim());
    if (match !== null) hostPorts.set(Number(match[1]), Number(match[2]));
  }
  const url = (port: number): string => {
    const host = hostPorts.get(port);
    if (host === undefined) throw new CommandError(`${options.name}: container port ${port} is not published`);
    return `http://127.0.0.1:${host}`;
  };
  const readiness = pod.probes.find((probe) => probe.kind === 'readinessProbe');
  if (readiness === undefined) throw new CommandError('the Deployment has no readinessProbe to wait for');
  const budgetMs = pod.startupBudgetSeconds * 1000;
  for (;;) {
    if ((await status(`${url(readiness.port)}${readiness.path}`)) === 200) break;
    if (Date.now() - started > budgetMs) {
      const logs = await podman(['logs', '--tail', '20', options.name]).catch(() => '');
      throw new CommandError(
        `${options.name}: ${readiness.path} not 200 within ${pod.startupBudgetSeconds} s; its last log lines:\n${logs}`,
      );
    }
    await sleep(20);
  }
  return { name: options.name, url, readyAfterMs: Date.now() - started };
}

/** What stopping a replica took. */
export interface Stopped {
  readonly exitCode: number;
  /** Milliseconds from SIGTERM to exit. */
  readonly drainMs: number;
  /** The SIGTERM-to-SIGKILL allowance: the grace period less what the preStop hook took. */
  readonly allowedMs: number;
}

/**
 * Stops a replica as the kubelet does: the preStop exec (its exit must be 0), then `podman stop` with the rest of
 * `terminationGracePeriodSeconds` (SIGTERM, then SIGKILL when it runs out, which podman reports as exit 137).
 */
export async function stopReplica(replica: Replica, pod: Pod): Promise<Stopped> {
  const started = Date.now();
  if (pod.preStop !== undefined) await podman(['exec', replica.name, ...pod.preStop]);
  const allowedMs = pod.terminationGracePeriodSeconds * 1000 - (Date.now() - started);
  const signalled = Date.now();
  await podman(['stop', '--time', String(Math.max(0, Math.floor(allowedMs / 1000))), replica.name]);
  const drainMs = Date.now() - signalled;
  const exitCode = Number((await podman(['inspect', '--format', '{{.State.ExitCode}}', replica.name])).trim());
  return { exitCode, drainMs, allowedMs };
}

/** The status of a GET, 0 when there is no answer (yet). */
async function status(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}
