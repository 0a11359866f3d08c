/**
 * The container's runtime conditions, reproduced without a container engine: the run stage's files (assembled
 * from the Dockerfile's COPY lines, so no node_modules), the keys Secret and metadata ConfigMap laid out as the
 * kubelet mounts them (..data symlinks, defaultMode, group fsGroup), everything read-only, and `node
 * dist/main.js` started from WORKDIR as the pod's non-root user with the image ENV and the manifest env.
 *
 * Deviations from the pod, on purpose: ports are 0 and the host loopback, so parallel suites do not collide.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../support/http.js';
import { rsaKey, tempDir } from '../support/keys.js';
import { spawnLogged, type NodeProcess } from '../support/process.js';
import { envOfStage, execForm, readDockerfile, runStage } from '../../scripts/deploy/dockerfile.js';
import { assembleRunStage, hostPath, makeReadOnly, snapshot } from './support/image-tree.js';
import { bytesOf, envOf, mainContainer, readManifests } from '../../scripts/deploy/manifests.js';
import { KUBE_DIR } from '../../scripts/deploy/paths.js';

const hasSetpriv = ((): boolean => {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const canSwitchUser = process.getuid?.() === 0 && hasSetpriv;
const skipReason = canSwitchUser ? '' : ' [SKIPPED: needs root and setpriv to switch to the pod user]';

const manifests = readManifests();
const deployment = manifests.one('Deployment');
const pod = deployment.spec.template.spec;
const container = mainContainer(deployment);
const manifestEnv = envOf(container);
const image = runStage(readDockerfile());
const imageEnv = envOfStage(image);
const uid = pod.securityContext.runAsUser as number;
const gid = pod.securityContext.runAsGroup as number;
const fsGroup = pod.securityContext.fsGroup as number;
const volume = (kind: 'secret' | 'configMap'): { mountPath: string; defaultMode: number } => {
  const spec = (pod.volumes as Array<Record<string, any>>).find((candidate) => candidate[kind] !== undefined)!;
  const mount = (container.volumeMounts as Array<Record<string, any>>).find((candidate) => candidate.name === spec.name)!;
  return { mountPath: mount.mountPath as string, defaultMode: (spec[kind].defaultMode as number | undefined) ?? 0o644 };
};

/**
 * Writes a volume the way the kubelet's atomic writer does: files in a timestamped hidden directory, `..data`
 * pointing at it, and one top-level symlink per key through `..data`. Files are root:fsGroup with defaultMode.
 */
function writeKubeletVolume(dir: string, files: Record<string, string>, mode: number): void {
  mkdirSync(dir, { recursive: true });
  const stamp = '..2026_11_28_00_00_00.000000001';
  mkdirSync(join(dir, stamp));
  chmodSync(join(dir, stamp), 0o755);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, stamp, name), content);
    chownSync(join(dir, stamp, name), 0, fsGroup);
    chmodSync(join(dir, stamp, name), mode);
    symlinkSync(posix.join('..data', name), join(dir, name));
  }
  symlinkSync(stamp, join(dir, '..data'));
  chmodSync(dir, 0o755);
}

const kid = 'archera-runtime-test';
let root: string;
let workdir: string;
let before: string[];
let server: NodeProcess | undefined;
let url: string;
let adminUrl: string;

/** `node <CMD…>` as the pod user from WORKDIR, with exactly the image ENV and the manifest env on top. */
function startAsPodUser(env: Record<string, string>): NodeProcess {
  const argv = execForm(image.getCMDs().at(-1));
  expect(argv[0]).toBe('node');
  return spawnLogged('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, `--groups=${fsGroup}`, process.execPath, ...argv.slice(1)], {
    cwd: hostPath(root, workdir),
    env,
  });
}

/** The pod's env with its paths moved under the fake root and local ports. */
function podEnv(): Record<string, string> {
  const env: Record<string, string> = { ...imageEnv, ...manifestEnv };
  for (const name of ['KEYS_DIR', 'METADATA_FILE']) if (env[name] !== undefined) env[name] = hostPath(root, env[name]);
  return { ...env, PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', LOG_LEVEL: 'info' };
}

beforeAll(() => {
  if (!canSwitchUser) return;
  root = tempDir('wk-container-');
  workdir = assembleRunStage(root);
  const keys = volume('secret');
  writeKubeletVolume(hostPath(root, keys.mountPath), { [`${kid}.pem`]: rsaKey().pem }, keys.defaultMode);
  const metadata = volume('configMap');
  const metadataFile = posix.relative(metadata.mountPath, manifestEnv.METADATA_FILE!);
  writeKubeletVolume(
    hostPath(root, metadata.mountPath),
    { [metadataFile]: readFileSync(join(KUBE_DIR, 'metadata.json'), 'utf8') },
    metadata.defaultMode,
  );
  // readOnlyRootFilesystem and read-only volumes; and the tree must be traversable (mkdtemp makes 0700).
  for (const dir of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (dir.isDirectory()) chmodSync(join(dir.parentPath, dir.name), 0o755);
  }
  chmodSync(root, 0o755);
  makeReadOnly(root);
  before = snapshot(root);
});

afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  if (root !== undefined) {
    execFileSync('chmod', ['-R', 'u+w', root]);
    rmSync(root, { recursive: true, force: true });
  }
});

describe('the image as the pod runs it', () => {
  it.skipIf(!canSwitchUser)(`has no node_modules to lean on${skipReason}`, () => {
    expect(existsSync(hostPath(root, posix.join(workdir, 'node_modules')))).toBe(false);
    expect(existsSync(hostPath(root, '/node_modules'))).toBe(false);
  });

  it.skipIf(!canSwitchUser)(`serves both documents as uid ${uid}, read-only, without node_modules${skipReason}`, async () => {
    server = startAsPodUser(podEnv());
    const line = await server.listening;
    url = `http://127.0.0.1:${String(line.port)}`;
    adminUrl = `http://127.0.0.1:${String(line.adminPort)}`;
    // The process really is the unprivileged user, so the read-only bits bind it.
    const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(uid));

    const jwks = await get(`${url}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect((JSON.parse(jwks.body) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid)).toEqual([kid]);
    const metadata = await get(`${url}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
    const document = JSON.parse(metadata.body) as Record<string, unknown>;
    expect(document.issuer).toBe(manifestEnv.ISSUER);
    // Read from the ConfigMap volume, not derived.
    const overrides = JSON.parse(readFileSync(join(KUBE_DIR, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    expect(document.service_documentation).toBe(overrides.service_documentation);
    expect((await get(`${adminUrl}/readyz`)).status).toBe(200);
    expect(server.lines.filter((entry) => Number(entry.level) >= 40 || entry.level === 'warn' || entry.level === 'error')).toEqual([]);
  });

  it.skipIf(!canSwitchUser)(`stays within the manifest's memory request under load${skipReason}`, async () => {
    expect(server?.child.exitCode).toBeNull();
    const connections = 20;
    const perConnection = 150;
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const paths = ['/.well-known/jwks.json', '/.well-known/oauth-authorization-server'];
    const statuses = await Promise.all(
      Array.from({ length: connections }, async (_, c) => {
        const seen: number[] = [];
        for (let i = 0; i < perConnection; i += 1) seen.push((await get(`${url}${paths[(c + i) % 2]!}`, {}, 'GET', agent)).status);
        return seen;
      }),
    );
    agent.destroy();
    expect(statuses.flat().filter((code) => code !== 200)).toEqual([]);
    const status = readFileSync(`/proc/${server!.child.pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    const rss = kib('VmRSS') * 1024;
    const peak = kib('VmHWM') * 1024;
    const { requests, limits } = container.resources;
    // The figures go with a failure; npm run bench reports memory.
    const figures =
      `after ${connections * perConnection} requests: VmRSS ${(rss / 2 ** 20).toFixed(1)} MiB, VmHWM ${(peak / 2 ** 20).toFixed(1)} MiB ` +
      `(request ${requests.memory}, limit ${limits.memory})`;
    expect(peak, figures).toBeLessThanOrEqual(bytesOf(requests.memory));
    expect(bytesOf(limits.memory), figures).toBeGreaterThanOrEqual(2 * peak);
  });

  it.skipIf(!canSwitchUser)(`wrote nothing: the tree is unchanged and no .dev-keys/ appeared${skipReason}`, async () => {
    expect(server).toBeDefined();
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    expect(snapshot(root)).toEqual(before);
    expect(existsSync(hostPath(root, posix.join(workdir, '.dev-keys')))).toBe(false);
  });

  it.skipIf(!canSwitchUser)(
    `without KEYS_DIR it cannot boot there: the image's KEYS_DIR is what spares the write${skipReason}`,
    async () => {
      const env = podEnv();
      delete env.KEYS_DIR;
      const keyless = startAsPodUser(env);
      expect(await keyless.exited).not.toBe(0);
      expect(keyless.stderr()).toMatch(/EACCES|permission denied/i);
      expect(existsSync(hostPath(root, posix.join(workdir, '.dev-keys')))).toBe(false);
      expect(snapshot(root)).toEqual(before);
    },
  );
});
