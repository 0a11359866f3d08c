/**
 * The Deployment's pod, read from deploy/kubernetes/ and turned into what `podman run` needs to run the image the
 * same way: its env, ports, probes, volumes, preStop hook, grace period, and the securityContext and limits as
 * podman flags. A field this mapping does not know is refused by name, so a manifest change can never make the
 * image test quietly run the container differently from the pod.
 */
import { posix } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { CommandError } from '../../src/errors.js';
import { bytesOf, coresOf, envOf, type Manifests } from '../deploy/manifests.js';

/** A probe of the container: an HTTP GET of `path` on container port `port`. */
export interface Probe {
  readonly kind: string;
  readonly path: string;
  readonly port: number;
}

/** A volume the container mounts: a Secret or a ConfigMap, as the kubelet lays it out. */
export interface Mount {
  readonly volume: string;
  readonly kind: 'secret' | 'configMap';
  /** The Secret's `secretName` or the ConfigMap's `name`. */
  readonly source: string;
  readonly mountPath: string;
  readonly mode: number;
}

/** What the image test needs of the pod. */
export interface Pod {
  /** The container's env, as written. */
  readonly env: Readonly<Record<string, string>>;
  /** Container port numbers by name. */
  readonly ports: Readonly<Record<string, number>>;
  readonly probes: readonly Probe[];
  /**
   * Seconds the kubelet gives the container to start before it restarts it: the startup probe's budget
   * (`initialDelaySeconds` + `failureThreshold` × `periodSeconds`), else the liveness probe's.
   */
  readonly startupBudgetSeconds: number;
  readonly mounts: readonly Mount[];
  /** The user the pod runs as (`runAsUser`, `runAsGroup`) and its `fsGroup`, each undefined when unset. */
  readonly user: { readonly uid?: number; readonly gid?: number; readonly fsGroup?: number };
  /** The preStop exec command, if any. */
  readonly preStop: readonly string[] | undefined;
  readonly terminationGracePeriodSeconds: number;
  /** `podman run` flags for the securityContext and the resource limits. */
  readonly flags: readonly string[];
}

const KNOWN_POD_CONTEXT = ['runAsNonRoot', 'runAsUser', 'runAsGroup', 'fsGroup', 'seccompProfile'];
const KNOWN_CONTAINER_CONTEXT = [
  'allowPrivilegeEscalation',
  'readOnlyRootFilesystem',
  'privileged',
  'runAsNonRoot',
  'runAsUser',
  'runAsGroup',
  'capabilities',
  'seccompProfile',
];

/** The Deployment's pod; throws a CommandError naming every field it cannot reproduce. */
export function podOf(manifests: Manifests): Pod {
  const deployment = manifests.one('Deployment') as IDeployment;
  const spec = deployment.spec?.template.spec;
  const container = spec?.containers.length === 1 ? spec.containers[0] : undefined;
  if (spec === undefined || container === undefined) throw new CommandError('deploy/kubernetes: the Deployment must have one container');
  const podContext = spec.securityContext ?? {};
  const context = container.securityContext ?? {};
  const unknown = [
    ...Object.keys(podContext)
      .filter((key) => !KNOWN_POD_CONTEXT.includes(key))
      .map((key) => `securityContext.${key}`),
    ...Object.keys(context)
      .filter((key) => !KNOWN_CONTAINER_CONTEXT.includes(key))
      .map((key) => `containers[0].securityContext.${key}`),
  ];
  const portNumber = (port: string | number): number | undefined =>
    typeof port === 'number' ? port : container.ports?.find((candidate) => candidate.name === port)?.containerPort;

  const flags: string[] = [];
  if (context.readOnlyRootFilesystem === true) flags.push('--read-only', '--read-only-tmpfs=false');
  if (context.privileged === true) flags.push('--privileged');
  if (context.allowPrivilegeEscalation === false) flags.push('--security-opt', 'no-new-privileges');
  for (const capability of context.capabilities?.drop ?? []) flags.push(`--cap-drop=${capability}`);
  for (const capability of context.capabilities?.add ?? []) flags.push(`--cap-add=${capability}`);
  // RuntimeDefault is podman's default seccomp profile too.
  const seccomp = (context.seccompProfile ?? podContext.seccompProfile)?.type;
  if (seccomp === 'Unconfined') flags.push('--security-opt', 'seccomp=unconfined');
  else if (seccomp !== undefined && seccomp !== 'RuntimeDefault') unknown.push(`seccompProfile.type ${seccomp}`);
  const limits = container.resources?.limits ?? {};
  if (limits.memory !== undefined) flags.push('--memory', String(bytesOf(String(limits.memory))));
  if (limits.cpu !== undefined) flags.push('--cpus', String(coresOf(limits.cpu)));
  const { fsGroup } = podContext;
  // The kubelet adds fsGroup to the container's groups; volume files are group-owned by it.
  if (fsGroup !== undefined) flags.push('--group-add', String(fsGroup));

  const probes: Probe[] = [];
  for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
    const probe = container[kind];
    if (probe === undefined) continue;
    const port = probe.httpGet === undefined ? undefined : portNumber(probe.httpGet.port);
    if (port === undefined) unknown.push(`${kind} other than an httpGet on a container port`);
    else probes.push({ kind, path: probe.httpGet?.path ?? '/', port });
  }
  const budget = (probe: IProbe | undefined): number | undefined =>
    probe === undefined ? undefined : (probe.initialDelaySeconds ?? 0) + (probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10);
  const startupBudgetSeconds = budget(container.startupProbe) ?? budget(container.livenessProbe) ?? Infinity;

  const mounts: Mount[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = spec.volumes?.find((candidate) => candidate.name === mount.name);
    const source = volume?.secret ?? volume?.configMap;
    if (source === undefined || mount.readOnly !== true || mount.subPath !== undefined) {
      unknown.push(`volumeMounts ${mount.name}: only read-only Secret and ConfigMap volumes without subPath are reproduced`);
      continue;
    }
    mounts.push({
      volume: mount.name,
      kind: volume?.secret === undefined ? 'configMap' : 'secret',
      source: volume?.secret?.secretName ?? volume?.configMap?.name ?? '',
      mountPath: posix.normalize(mount.mountPath),
      mode: source.defaultMode ?? 0o644,
    });
  }

  const hook = container.lifecycle?.preStop;
  if (hook !== undefined && hook.exec === undefined) unknown.push('lifecycle.preStop other than exec');
  if (unknown.length > 0) throw new CommandError(`deploy/kubernetes: the image test cannot reproduce ${unknown.join('; ')}`);
  return {
    env: envOf(container),
    ports: Object.fromEntries((container.ports ?? []).map((port) => [port.name ?? String(port.containerPort), port.containerPort])),
    probes,
    startupBudgetSeconds,
    mounts,
    user: { uid: context.runAsUser ?? podContext.runAsUser, gid: context.runAsGroup ?? podContext.runAsGroup, fsGroup },
    preStop: hook?.exec?.command,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
    flags,
  };
}
