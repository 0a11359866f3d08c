/**
 * The deployment files agree with the code: deploy/kubernetes/ and the Dockerfile are parsed (not copied into
 * the test), and every value the service interprets is checked against src/config.ts, the running admin
 * listener, package.json and the build output.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { loadConfig, SETTINGS } from '../../src/config.js';
import type { RunningService } from '../../src/service.js';
import { get } from '../support/http.js';
import { keysDirWith, rsaKey, tempDir } from '../support/keys.js';
import { startTestService } from '../support/service.js';
import {
  KUBE_DIR,
  ROOT,
  argsOf,
  assembleRunStage,
  bytesOf,
  envOf,
  envOfStage,
  hostPath,
  mainContainer,
  readDockerfile,
  readManifests,
  readYaml,
  runStage,
  workdirOf,
} from './support.js';

const manifests = readManifests();
const deployment = manifests.one('Deployment', 'archera-well-known');
const pod = deployment.spec.template.spec;
const container = mainContainer(deployment);
const env = envOf(container);
const mountOf = (predicate: (volume: Record<string, any>) => boolean): Record<string, any> => {
  const volume = (pod.volumes as Array<Record<string, any>>).find(predicate);
  const mount = (container.volumeMounts as Array<Record<string, any>>).find((candidate) => candidate.name === volume?.name);
  if (volume === undefined || mount === undefined) throw new Error('no such mounted volume');
  return { ...mount, volume };
};
const secretMount = mountOf((volume) => volume.secret !== undefined);
const configMapMount = mountOf((volume) => volume.configMap !== undefined);
const containerPort = (name: string | number): Record<string, any> | undefined =>
  (container.ports as Array<Record<string, any>>).find((port) => port.name === name || port.containerPort === name);

const stages = readDockerfile();
const image = runStage(stages);
const imageEnv = envOfStage(image);

/** Temporary directories, removed after the suite. */
const temps: string[] = [];
const temp = (prefix: string): string => {
  const dir = tempDir(prefix);
  temps.push(dir);
  return dir;
};

/** The service started in-process with the manifest's settings (ports, keys and metadata file made local). */
let service: RunningService;
let metadataFile: string;
beforeAll(async () => {
  const metadataDir = temp('wk-deploy-metadata-');
  metadataFile = join(metadataDir, posix.basename(env.METADATA_FILE ?? 'metadata.json'));
  writeFileSync(metadataFile, readFileSync(join(KUBE_DIR, configMapFile()), 'utf8'));
  const keysDir = keysDirWith({ manifest: rsaKey() });
  temps.push(keysDir);
  // Unknown names are the settings test's finding; leaving them out here keeps the other findings visible.
  const known = Object.fromEntries(Object.entries(env).filter(([name]) => (SETTINGS as readonly string[]).includes(name)));
  service = await startTestService({
    ...known,
    PORT: '0',
    ADMIN_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    KEYS_DIR: keysDir,
    METADATA_FILE: metadataFile,
  });
});
afterAll(async () => {
  await service?.shutdown();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** The ConfigMap generator's file that becomes METADATA_FILE's basename. */
function configMapFile(): string {
  const generator = (manifests.kustomization.configMapGenerator as Array<Record<string, any>>).find(
    (candidate) => candidate.name === configMapMount.volume.configMap.name,
  );
  if (generator === undefined) throw new Error(`no configMapGenerator named ${String(configMapMount.volume.configMap.name)}`);
  const wanted = posix.relative(configMapMount.mountPath as string, env.METADATA_FILE ?? '');
  // A generator entry is `file` (key = basename) or `key=file`.
  for (const entry of generator.files as string[]) {
    const [key, file] = entry.includes('=') ? entry.split('=') : [posix.basename(entry), entry];
    if (key === wanted) return file!;
  }
  throw new Error(`the ConfigMap has no key ${wanted}, which METADATA_FILE=${String(env.METADATA_FILE)} reads`);
}

describe('manifest files', () => {
  it('every YAML file under deploy/kubernetes parses (as kubectl parses it: YAML 1.1)', () => {
    const files = ['kustomization.yaml', 'deployment.yaml', 'service.yaml', 'pdb.yaml', 'hpa.yaml', 'keys-secret.example.yaml'];
    for (const file of files) expect(readYaml(join(KUBE_DIR, file)).length, file).toBeGreaterThan(0);
    expect(manifests.resources.map((resource) => resource.kind).sort()).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
    ]);
  });

  it('the Service, PDB and HPA select the Deployment and the Deployment selects its own pods', () => {
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    const selects = (selector: Record<string, string>): boolean =>
      Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => podLabels[key] === value);
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    expect(selects(manifests.one('Service').spec.selector)).toBe(true);
    expect(selects(manifests.one('PodDisruptionBudget').spec.selector.matchLabels)).toBe(true);
    const target = manifests.one('HorizontalPodAutoscaler').spec.scaleTargetRef;
    expect(target).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  });
});

describe('settings (env) agree with src/config.ts', () => {
  it('every env name in the Deployment is a setting the configuration accepts', () => {
    const unknown = Object.keys(env).filter((name) => !(SETTINGS as readonly string[]).includes(name));
    expect(unknown).toEqual([]);
    expect(Object.keys(env).length).toBeGreaterThan(5);
  });

  it('every ENV of the image is a setting too', () => {
    const unknown = Object.keys(imageEnv).filter((name) => !(SETTINGS as readonly string[]).includes(name));
    expect(unknown).toEqual([]);
  });

  it('loadConfig accepts the manifest env as is, with the image ENV underneath', () => {
    const config = loadConfig({ ...imageEnv, ...env });
    expect(config.issuerExplicit).toBe(true);
    expect(config.keysDir).toBe(env.KEYS_DIR);
    expect(config.metadataFile).toBe(env.METADATA_FILE);
  });

  it('the service boots with the manifest env and the example metadata.json of the ConfigMap', async () => {
    const metadata = await get(`${service.url}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
    const document = JSON.parse(metadata.body) as Record<string, unknown>;
    expect(document.issuer).toBe(env.ISSUER);
    const overrides = JSON.parse(readFileSync(join(KUBE_DIR, configMapFile()), 'utf8')) as Record<string, unknown>;
    for (const [member, value] of Object.entries(overrides)) expect(document[member], member).toEqual(value);
    expect(metadata.headers['cache-control']).toBe(`public, max-age=${env.CACHE_MAX_AGE}`);
  });

  it('disables service links, whose injected <SERVICE>_PORT variables could collide with settings', () => {
    expect(pod.enableServiceLinks).toBe(false);
    // What it prevents: a Service named "admin" in the namespace would inject this, and the boot would fail.
    expect(() => loadConfig({ ...env, ADMIN_PORT: 'tcp://10.0.0.7:80' })).toThrow(/ADMIN_PORT/);
  });
});

describe('probes', () => {
  const probes = [
    ['readinessProbe', '/readyz'],
    ['livenessProbe', '/healthz'],
  ] as const;

  it.each(probes)('%s is GET %s on the port named admin, whose number is ADMIN_PORT', (probe, path) => {
    const { httpGet } = container[probe] as { httpGet: { path: string; port: string | number } };
    expect(httpGet.path).toBe(path);
    expect(httpGet.port).toBe('admin');
    expect(containerPort(httpGet.port)?.containerPort).toBe(Number(env.ADMIN_PORT));
    expect(loadConfig(env).adminPort).toBe(Number(env.ADMIN_PORT));
  });

  it.each(probes)('%s path answers 200 on the real admin listener and 404 on the public one', async (probe) => {
    const { path } = (container[probe] as { httpGet: { path: string } }).httpGet;
    expect((await get(`${service.adminUrl}${path}`)).status).toBe(200);
    expect((await get(`${service.url}${path}`)).status).toBe(404);
  });

  it('the Prometheus scrape annotations name the admin port and /metrics, which answers there', async () => {
    const annotations = deployment.spec.template.metadata.annotations as Record<string, string>;
    expect(Number(annotations['prometheus.io/port'])).toBe(Number(env.ADMIN_PORT));
    const metrics = await get(`${service.adminUrl}${annotations['prometheus.io/path']}`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^# HELP /m);
  });

  it('the Service sends port 80 to the container port named http, which is PORT', () => {
    const [port, ...others] = manifests.one('Service').spec.ports as Array<Record<string, any>>;
    expect(others).toEqual([]);
    expect(port).toMatchObject({ name: 'http', port: 80, targetPort: 'http' });
    expect(containerPort('http')?.containerPort).toBe(Number(env.PORT));
    expect(loadConfig(env).port).toBe(Number(env.PORT));
  });
});

describe('volumes', () => {
  it('KEYS_DIR is the read-only mount of the keys Secret, which the container user can read', () => {
    expect(secretMount.mountPath).toBe(env.KEYS_DIR);
    expect(secretMount.readOnly).toBe(true);
    expect(secretMount.subPath).toBeUndefined();
    // The example Secret names the Secret the Deployment mounts.
    const [example] = readYaml(join(KUBE_DIR, 'keys-secret.example.yaml'));
    expect(example?.metadata.name).toBe(secretMount.volume.secret.secretName);
    // Files are root:<fsGroup> with defaultMode: readable by the container's group, or by everyone.
    const mode = secretMount.volume.secret.defaultMode as number;
    const readableByGroup = (mode & 0o040) !== 0 && pod.securityContext.fsGroup !== undefined;
    expect(readableByGroup || (mode & 0o004) !== 0).toBe(true);
    expect(mode & 0o222).toBe(0);
  });

  it('the example Secret holds no key: applied as is, the service refuses it and publishes nothing', async () => {
    const [example] = readYaml(join(KUBE_DIR, 'keys-secret.example.yaml'));
    const files = { ...(example?.stringData as Record<string, string> | undefined) };
    for (const [name, value] of Object.entries((example?.data as Record<string, string> | undefined) ?? {})) files[name] = Buffer.from(value, 'base64').toString();
    expect(Object.keys(files).length).toBeGreaterThan(0);
    const dir = temp('wk-example-secret-');
    for (const [name, content] of Object.entries(files)) {
      expect(content).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      writeFileSync(join(dir, name), content);
    }
    const lines: string[] = [];
    expect(await runCheck(loadConfig({ ...env, KEYS_DIR: dir, METADATA_FILE: metadataFile }), (line) => lines.push(line))).toBe(1);
    expect(lines.join('\n')).toMatch(/^0 published, \d+ refused$/m);
  });

  it('METADATA_FILE lies in the ConfigMap directory mount (no subPath, so updates propagate)', () => {
    expect(posix.dirname(env.METADATA_FILE ?? '')).toBe(configMapMount.mountPath);
    expect(configMapMount.subPath).toBeUndefined();
    expect(configMapMount.readOnly).toBe(true);
    expect(configMapFile()).toBe('metadata.json');
  });

  it('the image ENV KEYS_DIR, if set, is the manifest KEYS_DIR', () => {
    if (imageEnv.KEYS_DIR !== undefined) expect(imageEnv.KEYS_DIR).toBe(env.KEYS_DIR);
    // Unset in the image, the service would write .dev-keys/ under /app at startup.
    expect(imageEnv.KEYS_DIR ?? env.KEYS_DIR).toBeDefined();
  });
});

describe('pod runtime conditions', () => {
  it('runs at least two replicas, and the HPA never scales below two', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const hpa = manifests.one('HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toContainEqual(
      expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu', target: expect.objectContaining({ type: 'Utilization' }) }) }),
    );
    // Utilization is relative to the request, so there must be one.
    expect(container.resources.requests.cpu).toBeDefined();
  });

  it('the PDB allows disruptions one pod at a time, never all', () => {
    const { spec } = manifests.one('PodDisruptionBudget');
    const allowsEviction = spec.maxUnavailable !== undefined ? spec.maxUnavailable >= 1 : spec.minAvailable < deployment.spec.replicas;
    expect(allowsEviction).toBe(true);
    expect(spec.maxUnavailable === 1 || spec.minAvailable >= 1).toBe(true);
  });

  it('the grace period covers the preStop sleep, SHUTDOWN_TIMEOUT_MS (ms!) and main.ts\'s 1 s guard', () => {
    const config = loadConfig(env);
    const command = container.lifecycle?.preStop?.exec?.command as string[] | undefined;
    const preStopSeconds = command === undefined ? 0 : Number(command.at(-1));
    expect(Number.isFinite(preStopSeconds)).toBe(true);
    const neededMs = preStopSeconds * 1000 + config.shutdownTimeoutMs + 1000;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(neededMs);
  });

  it('a preStop exec names a binary of the run image (a node:*-bookworm-slim image has /bin/sleep)', () => {
    const command = container.lifecycle?.preStop?.exec?.command as string[] | undefined;
    if (command === undefined) return;
    expect(command[0]).toBe('/bin/sleep');
    expect(image.image).toMatch(/^node:[\d.]+-(bookworm|bullseye)-slim$/);
  });

  it('runs non-root, read-only, without privilege escalation or capabilities, under RuntimeDefault seccomp', () => {
    const context = container.securityContext;
    expect(context.runAsNonRoot ?? pod.securityContext.runAsNonRoot).toBe(true);
    expect(context.readOnlyRootFilesystem).toBe(true);
    expect(context.allowPrivilegeEscalation).toBe(false);
    expect(context.capabilities.drop).toEqual(['ALL']);
    expect(context.capabilities.add).toBeUndefined();
    expect((context.seccompProfile ?? pod.securityContext.seccompProfile).type).toBe('RuntimeDefault');
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('the pod user is the image USER, numeric and not root (runAsNonRoot cannot verify a name)', () => {
    const [user] = argsOf(image, 'USER');
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const [uid, gid] = (user ?? '').split(':').map(Number);
    expect(uid).not.toBe(0);
    expect(pod.securityContext.runAsUser).toBe(uid);
    if (gid !== undefined) expect(pod.securityContext.runAsGroup).toBe(gid);
  });

  it('sets memory and CPU requests and limits, the memory limit 2–3x the request', () => {
    const { requests, limits } = container.resources;
    expect(requests.memory).toBeDefined();
    expect(limits.memory).toBeDefined();
    expect(limits.cpu).toBeDefined();
    const ratio = bytesOf(limits.memory) / bytesOf(requests.memory);
    expect(ratio).toBeGreaterThanOrEqual(2);
    expect(ratio).toBeLessThanOrEqual(3);
  });
});

describe('Dockerfile', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; engines: { node: string } };

  it('is multi-stage: npm ci and scripts/build.ts in a build stage, the run stage copies only from it', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((stage) => argsOf(stage, 'RUN').some((run) => run.includes('scripts/build.ts')));
    expect(build?.name).toBeDefined();
    expect(argsOf(build!, 'RUN').some((run) => /^npm ci\b/.test(run))).toBe(true);
    expect(argsOf(image, 'RUN')).toEqual([]);
    expect(argsOf(image, 'COPY').some((copy) => copy.includes(`--from=${build!.name}`))).toBe(true);
    expect(argsOf(image, 'COPY').join(' ')).not.toMatch(/node_modules/);
    // Owned by root: the runtime user cannot rewrite the application.
    expect(argsOf(image, 'COPY').join(' ')).not.toMatch(/--chown/);
  });

  it('pins every stage to the same exact official Node 20 release, one that package.json engines allows', () => {
    const versions = stages.map((stage) => /^node:(\d+)\.(\d+)\.(\d+)-[a-z0-9-]+$/.exec(stage.image));
    for (const [i, match] of versions.entries()) expect(match, stages[i]!.image).not.toBeNull();
    const [major, minor] = versions[0]!.slice(1).map(Number) as [number, number];
    expect(major).toBe(20);
    expect(new Set(stages.map((stage) => stage.image)).size).toBe(1);
    const [, engineMajor, engineMinor] = /^>=(\d+)\.(\d+)/.exec(pkg.engines.node) ?? [];
    expect(major * 1000 + minor).toBeGreaterThanOrEqual(Number(engineMajor) * 1000 + Number(engineMinor));
  });

  it('CMD is the exec form of package.json\'s start script, and its file is in the image after the build', () => {
    const [cmd] = argsOf(image, 'CMD');
    const argv = JSON.parse(cmd ?? 'null') as string[];
    expect(Array.isArray(argv)).toBe(true);
    expect(argv.join(' ')).toBe(pkg.scripts.start);
    expect(argv[0]).toBe('node');
    // Nothing of ours wraps it (the base image's docker-entrypoint.sh execs the CMD).
    expect(argsOf(image, 'ENTRYPOINT')).toEqual([]);
    const fakeRoot = temp('wk-image-');
    const workdir = assembleRunStage(fakeRoot);
    expect(workdir).toBe('/app');
    const entry = posix.resolve(workdir, argv[1]!);
    expect(readFileSync(hostPath(fakeRoot, entry), 'utf8')).toBe(readFileSync(join(ROOT, 'dist/main.js'), 'utf8'));
    // projectRoot(): the first ancestor of the entry with package.json and openapi.json must be the WORKDIR.
    let dir = posix.dirname(entry);
    const has = (name: string): boolean => {
      try {
        readFileSync(hostPath(fakeRoot, posix.join(dir, name)));
        return true;
      } catch {
        return false;
      }
    };
    while (!(has('package.json') && has('openapi.json')) && dir !== '/') dir = posix.dirname(dir);
    expect(dir).toBe(workdir);
  });

  it('EXPOSEs exactly the default PORT and ADMIN_PORT, which are the manifest container ports', () => {
    const exposed = argsOf(image, 'EXPOSE').flatMap((args) => args.split(/\s+/)).map((port) => Number(port.replace(/\/tcp$/, '')));
    const defaults = loadConfig({});
    expect(exposed.sort()).toEqual([defaults.port, defaults.adminPort].sort());
    expect((container.ports as Array<{ containerPort: number }>).map((port) => port.containerPort).sort()).toEqual(exposed.sort());
  });

  it('the Deployment runs the image the kustomization names', () => {
    const [name] = String(container.image).split(':');
    const images = manifests.kustomization.images as Array<{ name: string }>;
    expect(images.map((entry) => entry.name)).toContain(name);
    expect(container.command).toBeUndefined();
    expect(container.args).toBeUndefined();
  });

  it('sets WORKDIR /app in the run stage', () => {
    expect(workdirOf(image)).toBe('/app');
  });
});
