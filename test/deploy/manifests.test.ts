/**
 * The deployment files agree with the code: deploy/kubernetes/ and the Dockerfile are parsed (not copied into
 * the test), and every value the service interprets is checked against src/config.ts, the running admin
 * listener, package.json and the build output.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { loadConfig, readConfig } from '../../src/config.js';
import type { RunningService } from '../../src/service.js';
import { get } from '../support/http.js';
import { keysDirWith, rsaKey, tempDir } from '../support/keys.js';
import { startTestService } from '../support/service.js';
import { SETTING_NAMES } from '../support/settings.js';
import {
  argsOf,
  baseOf,
  copySpec,
  envOfStage,
  execForm,
  fromOf,
  globalArgs,
  programOf,
  readDockerfile,
  runStage,
  runsOf,
  workdirOf,
} from '../../scripts/deploy/dockerfile.js';
import { assembleRunStage, hostPath } from './support/image-tree.js';
import { bytesOf, containerPort, envOf, mainContainer, readManifests, readYaml } from '../../scripts/deploy/manifests.js';
import { KUBE_DIR, ROOT } from '../../scripts/deploy/paths.js';
import { admits, schemaProblems, selects, sends, type Source } from './support/kubernetes.js';

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
const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;

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
  const known = Object.fromEntries(Object.entries(env).filter(([name]) => SETTING_NAMES.includes(name)));
  service = await startTestService({
    ...known,
    PORT: '0',
    ADMIN_PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_HOST: '127.0.0.1',
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
  const files = [
    'kustomization.yaml',
    'deployment.yaml',
    'service.yaml',
    'pdb.yaml',
    'hpa.yaml',
    'networkpolicy.yaml',
    'keys-secret.example.yaml',
  ];

  it('every YAML file under deploy/kubernetes parses (as kubectl parses it: YAML 1.1)', () => {
    for (const file of files) expect(readYaml(join(KUBE_DIR, file)).length, file).toBeGreaterThan(0);
    expect(manifests.resources.map((resource) => resource.kind).sort()).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
    ]);
  });

  it('every object, the example Secret included, is valid against the Kubernetes API schema of its kind', () => {
    const objects = files.filter((file) => file !== 'kustomization.yaml').flatMap((file) => readYaml(join(KUBE_DIR, file)));
    expect(objects.length).toBe(manifests.resources.length + 1);
    for (const object of objects) expect(schemaProblems(object), `${object.kind} ${object.metadata?.name}`).toEqual([]);
  });

  it('the schema check finds what kubectl would refuse', () => {
    const broken = structuredClone(deployment);
    broken.spec.replicas = '2';
    delete broken.spec.selector;
    expect(schemaProblems(broken)).toEqual([
      'Deployment /spec: must have required property selector',
      'Deployment /spec/replicas: must be integer',
    ]);
    expect(schemaProblems({ apiVersion: 'apps/v1', kind: 'Deployments' })).toEqual(['apps/v1 Deployments: no such Kubernetes API kind']);
  });

  it('the Service, PDB, HPA and NetworkPolicy select the Deployment and the Deployment selects its own pods', () => {
    const selectsPods = (selector: Record<string, any>): boolean =>
      Object.keys(selector.matchLabels ?? {}).length > 0 && selects(selector, podLabels);
    expect(selectsPods(deployment.spec.selector)).toBe(true);
    expect(selectsPods({ matchLabels: manifests.one('Service').spec.selector })).toBe(true);
    expect(selectsPods(manifests.one('PodDisruptionBudget').spec.selector)).toBe(true);
    expect(selectsPods(manifests.one('NetworkPolicy').spec.podSelector)).toBe(true);
    const target = manifests.one('HorizontalPodAutoscaler').spec.scaleTargetRef;
    expect(target).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  });
});

describe('settings (env) agree with src/config.ts', () => {
  it('every env name in the Deployment is a setting the configuration accepts', () => {
    const unknown = Object.keys(env).filter((name) => !SETTING_NAMES.includes(name));
    expect(unknown).toEqual([]);
    expect(Object.keys(env).length).toBeGreaterThan(5);
  });

  it('every ENV of the image is a setting too', () => {
    const unknown = Object.keys(imageEnv).filter((name) => !SETTING_NAMES.includes(name));
    expect(unknown).toEqual([]);
  });

  it('loadConfig accepts the manifest env as is, with the image ENV underneath', () => {
    const config = loadConfig({ ...imageEnv, ...env });
    expect(config.issuer).toBe(env.ISSUER);
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
    ['startupProbe', '/healthz'],
    ['readinessProbe', '/readyz'],
    ['livenessProbe', '/healthz'],
  ] as const;

  it.each(probes)('%s is GET %s on the port named admin, whose number is ADMIN_PORT', (probe, path) => {
    const { httpGet } = container[probe] as { httpGet: { path: string; port: string | number } };
    expect(httpGet.path).toBe(path);
    expect(httpGet.port).toBe('admin');
    expect(containerPort(container, httpGet.port)?.containerPort).toBe(Number(env.ADMIN_PORT));
    expect(loadConfig(env).adminPort).toBe(Number(env.ADMIN_PORT));
  });

  it('a startupProbe holds the other probes back until the admin listener answers, with more time than liveness gives', () => {
    // Keyed on /healthz like liveness, never on /readyz: a bad key makes a pod unready, never restarted.
    expect(container.startupProbe.httpGet.path).toBe(container.livenessProbe.httpGet.path);
    const budget = (probe: Record<string, any>): number => (probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10);
    expect(budget(container.startupProbe)).toBeGreaterThanOrEqual(budget(container.livenessProbe));
    // The startup probe replaces a liveness delay; one on top would only postpone noticing a hang.
    expect(container.livenessProbe.initialDelaySeconds ?? 0).toBe(0);
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

  it('sets ADMIN_HOST to every interface: the kubelet and the scraper connect to the pod IP, not its loopback', () => {
    expect(['0.0.0.0', '::']).toContain(env.ADMIN_HOST);
    expect(loadConfig(env).adminHost).toBe(env.ADMIN_HOST);
  });

  it('the Service sends port 80 to the container port named http, which is PORT', () => {
    const [port, ...others] = manifests.one('Service').spec.ports as Array<Record<string, any>>;
    expect(others).toEqual([]);
    expect(port).toMatchObject({ name: 'http', port: 80, targetPort: 'http' });
    expect(containerPort(container, 'http')?.containerPort).toBe(Number(env.PORT));
    expect(loadConfig(env).port).toBe(Number(env.PORT));
  });
});

describe('NetworkPolicy', () => {
  const policy = manifests.one('NetworkPolicy');
  const rules = policy.spec.ingress as Array<Record<string, any>>;
  const publicPort = Number(env.PORT);
  const adminPort = Number(env.ADMIN_PORT);
  const numberOf = (port: string | number): number | undefined =>
    typeof port === 'number' ? port : containerPort(container, port)?.containerPort;
  const reach = (source: Source, port: number): boolean => admits(policy, podLabels, container, source, port);

  // The scraper the policy names: the peers of the rules that open the admin port.
  const scraperPeers = rules
    .filter((rule) => (rule.ports ?? []).some((port: Record<string, any>) => numberOf(port.port) === adminPort))
    .flatMap((rule) => rule.from ?? []);
  const scraper: Source = {
    pod: scraperPeers[0]?.podSelector?.matchLabels ?? {},
    namespace: scraperPeers[0]?.namespaceSelector?.matchLabels ?? {},
    sameNamespace: false,
  };
  const neighbour: Source = {
    pod: { 'app.kubernetes.io/name': 'some-app' },
    namespace: { 'kubernetes.io/metadata.name': 'default' },
    sameNamespace: true,
  };
  const elsewhere: Source = { pod: {}, namespace: {}, sameNamespace: false };
  const sources: Source[] = [scraper, neighbour, elsewhere, { address: '203.0.113.7' }, { address: '2001:db8::7' }];

  it('covers exactly PORT and ADMIN_PORT: the container ports, the code defaults, the Service target and the probe port', () => {
    const ports = rules.flatMap((rule) => (rule.ports ?? []).map((port: Record<string, any>) => numberOf(port.port)));
    expect(ports.sort()).toEqual([publicPort, adminPort].sort());
    const defaults = loadConfig({});
    expect([publicPort, adminPort]).toEqual([defaults.port, defaults.adminPort]);
    expect(numberOf(manifests.one('Service').spec.ports[0].targetPort)).toBe(publicPort);
    expect(numberOf(container.readinessProbe.httpGet.port)).toBe(adminPort);
    expect(Number(deployment.spec.template.metadata.annotations['prometheus.io/port'])).toBe(adminPort);
  });

  it('opens the public port to every source: pods anywhere, addresses outside the cluster', () => {
    for (const source of sources) expect(reach(source, publicPort), JSON.stringify(source)).toBe(true);
  });

  it('admits the admin port only from the scraper it names: a pod with its labels in its namespace', () => {
    // One peer naming both a namespace and pod labels, by the label Kubernetes sets on every namespace.
    expect(scraperPeers).toHaveLength(1);
    expect(Object.keys(scraperPeers[0].namespaceSelector.matchLabels)).toEqual(['kubernetes.io/metadata.name']);
    expect(Object.keys(scraperPeers[0].podSelector.matchLabels).length).toBeGreaterThan(0);
    expect(reach(scraper, adminPort)).toBe(true);
    expect(reach(neighbour, adminPort)).toBe(false);
    expect(reach({ ...scraper, pod: { 'app.kubernetes.io/name': 'grafana' } }, adminPort)).toBe(false);
    expect(reach({ ...neighbour, pod: scraper.pod }, adminPort)).toBe(false);
    expect(reach({ address: '203.0.113.7' }, adminPort)).toBe(false);
  });

  it('admits nothing on any other port', () => {
    for (const port of [22, 80, 8080, 9100, publicPort + 1, adminPort + 1]) {
      for (const source of sources) expect(reach(source, port), `${port} ${JSON.stringify(source)}`).toBe(false);
    }
  });

  it('lets the pods connect nowhere: no DNS, no Kubernetes API, no neighbour, nothing outside the cluster', () => {
    const dns: Source = {
      pod: { 'k8s-app': 'kube-dns' },
      namespace: { 'kubernetes.io/metadata.name': 'kube-system' },
      sameNamespace: false,
    };
    const destinations: Array<[Source, number]> = [
      [dns, 53],
      [{ address: '10.96.0.10' }, 53],
      [{ address: '10.96.0.1' }, 443],
      [neighbour, 8080],
      [{ pod: podLabels, namespace: {}, sameNamespace: true }, publicPort],
      [{ address: '203.0.113.7' }, 443],
      [{ address: '2001:db8::7' }, 443],
    ];
    for (const [destination, port] of destinations)
      expect(sends(policy, podLabels, destination, port), `${port} ${JSON.stringify(destination)}`).toBe(false);
    // The model itself: a policy without Egress in policyTypes (and no egress rules) leaves egress alone.
    const ingressOnly = { ...policy, spec: { ...policy.spec, policyTypes: ['Ingress'], egress: undefined } };
    expect(sends(ingressOnly, podLabels, { address: '203.0.113.7' }, 443)).toBe(true);
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
    for (const [name, value] of Object.entries((example?.data as Record<string, string> | undefined) ?? {}))
      files[name] = Buffer.from(value, 'base64').toString();
    expect(Object.keys(files).length).toBeGreaterThan(0);
    const dir = temp('wk-example-secret-');
    for (const [name, content] of Object.entries(files)) {
      expect(content).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      writeFileSync(join(dir, name), content);
    }
    const lines: string[] = [];
    expect(await runCheck(readConfig({ ...env, KEYS_DIR: dir, METADATA_FILE: metadataFile }), (line) => lines.push(line))).toBe(1);
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
  it('leaves the replica count to the HPA alone (a Deployment replicas would be reset by every apply), never below two', () => {
    expect(deployment.spec.replicas).toBeUndefined();
    const hpa = manifests.one('HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toContainEqual(
      expect.objectContaining({
        type: 'Resource',
        resource: expect.objectContaining({ name: 'cpu', target: expect.objectContaining({ type: 'Utilization' }) }),
      }),
    );
    // Utilization is relative to the request, so there must be one.
    expect(container.resources.requests.cpu).toBeDefined();
  });

  it('the PDB allows disruptions one pod at a time, never all', () => {
    const { spec } = manifests.one('PodDisruptionBudget');
    const fewestReplicas = manifests.one('HorizontalPodAutoscaler').spec.minReplicas as number;
    const allowsEviction = spec.maxUnavailable !== undefined ? spec.maxUnavailable >= 1 : spec.minAvailable < fewestReplicas;
    expect(allowsEviction).toBe(true);
    expect(spec.maxUnavailable === 1 || spec.minAvailable >= 1).toBe(true);
  });

  it("the grace period covers the preStop sleep, SHUTDOWN_TIMEOUT_MS (ms!) and main.ts's 1 s guard", () => {
    const config = loadConfig(env);
    const command = container.lifecycle?.preStop?.exec?.command as string[] | undefined;
    const preStopSeconds = command === undefined ? 0 : Number(command.at(-1));
    expect(Number.isFinite(preStopSeconds)).toBe(true);
    const neededMs = preStopSeconds * 1000 + config.shutdownTimeoutMs + 1000;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(neededMs);
  });

  it('a preStop exec names a binary of the run image (Debian slim has /bin/sleep; npm run image:test runs it)', () => {
    const command = container.lifecycle?.preStop?.exec?.command as string[] | undefined;
    if (command === undefined) return;
    expect(command[0]).toBe('/bin/sleep');
    expect(baseOf(image).image).toMatch(/^debian:(bookworm|trixie)-slim$/);
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
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    engines: { node: string };
  };

  it('is multi-stage: npm ci and scripts/build.ts in a build stage, the run stage copies only from it', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((stage) => argsOf(stage, 'RUN').some((run) => run.includes('scripts/build.ts')));
    const buildName = build === undefined ? null : fromOf(build).getBuildStage();
    expect(buildName).not.toBeNull();
    expect(runsOf(build!).some((run) => /^npm ci\b/.test(programOf(run.command)))).toBe(true);
    expect(argsOf(image, 'RUN')).toEqual([]);
    expect(image.getCOPYs().some((copy) => copySpec(copy).from === buildName)).toBe(true);
    expect(
      image
        .getCOPYs()
        .flatMap((copy) => copySpec(copy).sources)
        .join(' '),
    ).not.toMatch(/node_modules/);
    // Owned by root: the runtime user cannot rewrite the application.
    expect(image.getCOPYs().flatMap((copy) => copy.getFlags().map((flag) => flag.getName()))).not.toContain('chown');
  });

  it('pins the build stage to an exact Node 24 LTS release (the one CI tests, within package.json engines), the run stage to its Debian', () => {
    const [build, ...others] = stages.map((stage) => baseOf(stage).image);
    const [, version, suite] = /^node:(\d+\.\d+\.\d+)-([a-z]+)-slim$/.exec(build ?? '') ?? [];
    expect(version, build).toBeDefined();
    // Node's binary is copied into the run stage: the same Debian release, so it finds the libraries it was built on.
    expect(others).toEqual([`debian:${suite}-slim`]);
    expect(semver.major(version!)).toBe(24);
    expect(semver.satisfies(version!, pkg.engines.node)).toBe(true);
    // .ci/run runs the whole suite a second time on this exact release.
    expect(/^NODE24=(\d+\.\d+\.\d+)$/m.exec(readFileSync(join(ROOT, '.ci/run'), 'utf8'))?.[1]).toBe(version);
  });

  it('the run stage holds Node without npm: the binary alone, copied from the build stage', () => {
    const buildName = fromOf(stages[0]!).getBuildStage();
    const copies = image.getCOPYs().map(copySpec);
    expect(copies).toContainEqual({ from: buildName, sources: ['/usr/local/bin/node'], dest: '/usr/local/bin/node' });
    expect(copies.flatMap((copy) => copy.sources).join(' ')).not.toMatch(/node_modules|npm|yarn|corepack/);
    expect(baseOf(image).image).not.toMatch(/^node:/);
  });

  it('npm ci gets the registry settings and the CA bundle as optional build secrets, in no layer, ARG or ENV', () => {
    const [build] = stages;
    const npmCi = runsOf(build!).find((run) => /^npm ci\b/.test(programOf(run.command)));
    const secrets = Object.fromEntries(
      (npmCi?.mounts ?? [])
        .filter((mount) => mount.type === 'secret')
        .map((mount) => [mount.id, mount.target ?? `/run/secrets/${mount.id}`]),
    );
    expect(Object.keys(secrets).sort()).toEqual(['ca', 'npmrc']);
    // Optional (BuildKit's default): `docker build .` with neither works on npm's defaults.
    for (const mount of npmCi!.mounts) expect(mount.required ?? 'false').toBe('false');
    const assignments = Object.fromEntries([...npmCi!.command.matchAll(/\b([A-Z_]+)=(\S+)/g)].map(([, name, value]) => [name, value]));
    expect(assignments).toEqual({ NPM_CONFIG_USERCONFIG: secrets.npmrc, NODE_EXTRA_CA_CERTS: secrets.ca });
    for (const stage of stages) {
      expect(Object.keys(envOfStage(stage))).not.toContain('NODE_EXTRA_CA_CERTS');
      const copied = stage.getCOPYs().flatMap((copy) => copySpec(copy).sources);
      expect(copied.join(' ')).not.toMatch(/npmrc|\.crt|\.pem|certs/);
    }
    expect(Object.keys(globalArgs()).join(' ')).not.toMatch(/CA|CERT|NPM/);
  });

  it('package.json engines admits the Node running this suite', () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it("CMD is the exec form of package.json's start script with the young generation cap, and its file is in the image after the build", () => {
    // The last CMD is the one Docker runs; execForm throws on the shell form.
    const argv = execForm(image.getCMDs().at(-1));
    expect(argv[0]).toBe('node');
    // The young generation's cap, set the documented way: on Node's command line (docs/deploying.md).
    expect(argv[1]).toBe('--max-semi-space-size=4');
    // The start script `exec`s node, so that npm's signals reach the server rather than the shell npm runs it in;
    // the image has no shell in between to begin with.
    expect(`exec ${[argv[0], ...argv.slice(2)].join(' ')}`).toBe(pkg.scripts.start);
    // Nothing of ours wraps it (the base image's docker-entrypoint.sh execs the CMD).
    expect(argsOf(image, 'ENTRYPOINT')).toEqual([]);
    const fakeRoot = temp('wk-image-');
    const workdir = assembleRunStage(fakeRoot);
    expect(workdir).toBe('/app');
    const entry = posix.resolve(workdir, argv.at(-1)!);
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
    const exposed = argsOf(image, 'EXPOSE')
      .flatMap((args) => args.split(/\s+/))
      .map((port) => Number(port.replace(/\/tcp$/, '')));
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
