/**
 * scripts/image/pod.ts: the Deployment's pod as the image test runs it with podman. Each securityContext and
 * limit becomes its podman flag (checked on copies of the manifests where one field changes, so a wrong mapping
 * fails), and a field podman cannot reproduce stops the test by name instead of being ignored.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readManifests } from '../../../scripts/deploy/manifests.js';
import { KUBE_DIR } from '../../../scripts/deploy/paths.js';
import { podOf } from '../../../scripts/image/pod.js';
import { tempDir } from '../../support/keys.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** deploy/kubernetes/ copied, with `edit` applied to the Deployment's pod template spec. */
function manifestsWith(edit: (spec: Record<string, any>) => void): ReturnType<typeof readManifests> {
  const dir = tempDir('wk-pod-');
  dirs.push(dir);
  cpSync(KUBE_DIR, dir, { recursive: true });
  const document = parseDocument(readFileSync(join(dir, 'deployment.yaml'), 'utf8'), { version: '1.1' });
  const deployment = document.toJS() as Record<string, any>;
  edit(deployment.spec.template.spec);
  writeFileSync(join(dir, 'deployment.yaml'), JSON.stringify(deployment));
  return readManifests(dir);
}

const flagsOf = (edit: (spec: Record<string, any>) => void): readonly string[] => podOf(manifestsWith(edit)).flags;
const container = (spec: Record<string, any>): Record<string, any> => spec.containers[0];

describe('podOf', () => {
  const pod = podOf(readManifests());
  const deployment = readManifests().one('Deployment');
  const spec = deployment.spec.template.spec;

  it('reads the env, ports, probes, preStop hook and grace period of the manifest', () => {
    expect(pod.env.ISSUER).toBe(container(spec).env.find((entry: { name: string }) => entry.name === 'ISSUER').value);
    expect(Object.values(pod.ports).sort()).toEqual(
      container(spec)
        .ports.map((port: { containerPort: number }) => port.containerPort)
        .sort(),
    );
    expect(pod.probes.map((probe) => probe.kind)).toEqual(['startupProbe', 'readinessProbe', 'livenessProbe']);
    expect(pod.probes.find((probe) => probe.kind === 'readinessProbe')?.path).toBe(container(spec).readinessProbe.httpGet.path);
    expect(pod.preStop).toEqual(container(spec).lifecycle.preStop.exec.command);
    expect(pod.terminationGracePeriodSeconds).toBe(spec.terminationGracePeriodSeconds);
    const { failureThreshold, periodSeconds } = container(spec).startupProbe;
    expect(pod.startupBudgetSeconds).toBe(failureThreshold * periodSeconds);
  });

  it('mounts the Secret and the ConfigMap read-only with their defaultMode, and adds fsGroup to the groups', () => {
    expect(pod.mounts.map(({ kind, mountPath, mode }) => ({ kind, mountPath, mode }))).toEqual([
      { kind: 'secret', mountPath: '/etc/archera/keys', mode: 0o440 },
      { kind: 'configMap', mountPath: '/etc/archera/metadata', mode: 0o440 },
    ]);
    expect(pod.user).toEqual({ uid: 1000, gid: 1000, fsGroup: 1000 });
    expect(pod.flags.join(' ')).toContain('--group-add 1000');
  });

  it('turns the securityContext into podman flags: read-only root without tmpfs, capabilities, no new privileges', () => {
    expect(pod.flags).toEqual(
      expect.arrayContaining(['--read-only', '--read-only-tmpfs=false', '--cap-drop=ALL', '--security-opt', 'no-new-privileges']),
    );
    expect(pod.flags).not.toContain('--privileged');
    const writable = flagsOf((edited) => (container(edited).securityContext.readOnlyRootFilesystem = false));
    expect(writable).not.toContain('--read-only');
    const escalating = flagsOf((edited) => (container(edited).securityContext.allowPrivilegeEscalation = true));
    expect(escalating).not.toContain('no-new-privileges');
    const binding = flagsOf((edited) => (container(edited).securityContext.capabilities.add = ['NET_BIND_SERVICE']));
    expect(binding).toContain('--cap-add=NET_BIND_SERVICE');
    const unconfined = flagsOf((edited) => (container(edited).securityContext.seccompProfile = { type: 'Unconfined' }));
    expect(unconfined.join(' ')).toContain('--security-opt seccomp=unconfined');
  });

  it('turns the limits into --memory (bytes) and --cpus (cores)', () => {
    const flags = flagsOf((edited) => (container(edited).resources.limits = { memory: '256Mi', cpu: '500m' }));
    expect(flags.join(' ')).toContain(`--memory ${256 * 1024 * 1024}`);
    expect(flags.join(' ')).toContain('--cpus 0.5');
  });

  it('refuses what it cannot reproduce, naming each field', () => {
    const manifests = manifestsWith((edited) => {
      container(edited).securityContext.procMount = 'Unmasked';
      edited.volumes.push({ name: 'scratch', emptyDir: {} });
      container(edited).volumeMounts.push({ name: 'scratch', mountPath: '/tmp' });
      container(edited).livenessProbe = { exec: { command: ['true'] } };
    });
    const refusal = (() => {
      try {
        podOf(manifests);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(refusal).toContain('securityContext.procMount');
    expect(refusal).toContain('volumeMounts scratch');
    expect(refusal).toContain('livenessProbe other than an httpGet');
  });
});
