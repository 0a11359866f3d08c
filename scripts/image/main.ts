/**
 * `npm run image:test`: the image built from the Dockerfile as it is, and run as deploy/kubernetes/deployment.yaml
 * runs its pods. Everything it runs with comes from those two files (the pod's env, securityContext, limits,
 * probes, volumes, preStop hook and grace period; the image's user and command) or is passed explicitly (the
 * registry access of the build, the key the test signs with); the only change is ISSUER, a placeholder in the
 * manifest, set to the origin the replicas are reached at so `verify` can check the documents end to end.
 *
 * It checks, and fails (exit 1) naming the first thing that is wrong:
 * - the image: its layers hold no CA bundle, no npm settings, no node_modules and no npm; its user is the pod's,
 *   not root;
 * - three replicas on one keys volume: the kernel's view of the process (uid, groups, no capabilities, no new
 *   privileges, seccomp, read-only root), every probe answering 200, both documents passing `verify`, a JWT signed
 *   with the mounted key verified by jose against the served key set, identical bytes and ETags everywhere;
 * - a Secret update as the kubelet applies it (`..data` swapped): all three serve the new key set, identically,
 *   within the rescan interval plus a second;
 * - the stop: the preStop hook runs in the image, and SIGTERM ends each replica with exit 0 inside what is left
 *   of the grace period.
 * It prints the image size and each replica's time to its first 200, and removes every container, image and file
 * it created, whatever happens.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCommand, EXIT, runAsProcess, type CommandIo } from '../../src/cli/command.js';
import { loadConfig } from '../../src/config.js';
import { CommandError } from '../../src/errors.js';
import { envOfStage, readDockerfile, runStage } from '../deploy/dockerfile.js';
import { generatedConfigMap, readManifests } from '../deploy/manifests.js';
import { prepareBases } from './base-images.js';
import { discover, fetchDocument, kidsOf, processConditions, sameEverywhere, signAndVerify, verifyDocuments } from './checks.js';
import { buildImage, inspectImage, layersOf } from './image.js';
import { KubeletVolume } from './kubelet-volume.js';
import { podOf, type Pod } from './pod.js';
import { podman, podmanSucceeds } from './podman.js';
import { registryAccess } from './registry-access.js';
import { startReplica, stopReplica, type Replica } from './replica.js';
import { ensureTools } from './tools.js';

const USAGE = `usage: npm run image:test [-- --keep-base]

Builds the image from the Dockerfile as it is and runs it as deploy/kubernetes/deployment.yaml runs its pods, with
podman and runc (installed from Debian when missing, as root; see docs/deploying.md). The bases are the official
images the Dockerfile names when they can be pulled, else local stand-ins of the same releases. Every container,
image and file it creates is removed at the end.

  --keep-base   keep the stand-in base images (localhost/archera-well-known-stand-in/…) and reuse them next time
  -h, --help    show this text`;

const REPLICAS = 3;
/** Ceiling for anything awaited that has no deadline of its own, on a loaded machine. */
const CEILING_MS = 60_000;

const command = defineCommand({
  name: 'image:test',
  usage: USAGE,
  options: { 'keep-base': { type: 'boolean' } },
  run: async ({ values }, io) => {
    const cleanup = new Cleanup(io);
    const onSignal = (signal: NodeJS.Signals): void => {
      io.err(`image:test: ${signal}: cleaning up`);
      void cleanup.run().finally(() => process.exit(EXIT.failed));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await imageTest(io, cleanup, values['keep-base'] === true);
    } finally {
      await cleanup.run();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return EXIT.ok;
  },
});

async function imageTest(io: CommandIo, cleanup: Cleanup, keepBase: boolean): Promise<void> {
  const pass = (what: string): void => io.out(`PASS  ${what}`);
  ensureTools(io);
  io.out(`${(await podman(['--version'])).trim()}, runtime runc`);
  const pod = podOf(readManifests());
  const imageEnv = envOfStage(runStage(readDockerfile()));
  const config = loadConfig({ ...imageEnv, ...pod.env });
  const run = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'archera-image-test-'));
  cleanup.add(`rm -r ${dir}`, () => rmSync(dir, { recursive: true, force: true }));

  // --- the image ---------------------------------------------------------------------------------------------
  const created: string[] = [];
  cleanup.add('the base images this run made', () => removeImages(created));
  const bases = await prepareBases(io, {
    dir,
    prefix: keepBase ? 'localhost/archera-well-known-stand-in' : `localhost/archera-well-known-stand-in-${run}`,
    reuse: keepBase,
    pullTimeoutMs: 5 * 60_000,
    created,
  });
  io.out(`bases: ${bases.description}`);
  const access = registryAccess(dir);
  io.out(`npm ci gets, as build secrets: ${access.description}`);
  const tag = `localhost/archera-well-known-image-test:${run}`;
  cleanup.add(`podman rmi ${tag}`, () => removeImages([tag]));
  const started = Date.now();
  await buildImage(tag, bases, access);
  const image = await inspectImage(tag);
  io.out(`built ${tag} in ${seconds(Date.now() - started)}: ${(image.sizeBytes / 1e6).toFixed(0)} MB`);

  const secrets = Object.fromEntries(Object.entries(access.files).map(([id, file]) => [`the ${id} secret`, readFileSync(file)]));
  const layers = await layersOf(tag, dir, secrets);
  rmSync(join(dir, 'image.tar'));
  const paths = layers.flatMap((layer) => layer.paths);
  const held = layers.flatMap((layer, index) =>
    Object.entries(layer.holds).flatMap(([name, holds]) => (holds ? [`${name} (layer ${index + 1})`] : [])),
  );
  if (held.length > 0) throw new CommandError(`the image holds ${held.join(', ')}`);
  const forbidden = paths.filter((path) =>
    /(^|\/)node_modules\/|^usr\/local\/bin\/(npm|npx|yarn|yarnpkg|corepack)$|^run\/secrets\/./.test(path),
  );
  if (forbidden.length > 0)
    throw new CommandError(`the image holds ${forbidden.slice(0, 5).join(', ')}${forbidden.length > 5 ? ', …' : ''}`);
  pass(`${layers.length} layers, none holding ${Object.keys(secrets).join(' or ')}, node_modules or npm`);

  const [uid, gid] = image.user.split(':').map(Number);
  if (!/^\d+(:\d+)?$/.test(image.user) || uid === 0)
    throw new CommandError(`the image's USER "${image.user}" is not a numeric non-root user`);
  if ((pod.user.uid ?? uid) !== uid || (pod.user.gid ?? gid) !== gid)
    throw new CommandError(`the pod runs as ${pod.user.uid}:${pod.user.gid}, the image as ${image.user}`);
  pass(`the image's user ${image.user} is the pod's runAsUser and runAsGroup, and not root (runAsNonRoot)`);
  io.out(`the image runs ${[...image.entrypoint, ...image.cmd].join(' ')}`);

  // --- three replicas on one keys volume ---------------------------------------------------------------------
  const keysMount = pod.mounts.find((mount) => mount.mountPath === config.keysDir);
  if (keysMount?.kind !== 'secret') throw new CommandError(`KEYS_DIR ${config.keysDir} is not the mount of a Secret volume`);
  const volumes: Record<string, KubeletVolume> = {};
  for (const mount of pod.mounts)
    volumes[mount.volume] = new KubeletVolume(join(dir, 'volumes', mount.volume), mount.mode, pod.user.fsGroup ?? 0);
  for (const mount of pod.mounts)
    if (mount.kind === 'configMap') volumes[mount.volume]!.write(generatedConfigMap(readManifests(), mount.source));
  const current = rsaKey('archera-image-test-current');
  const next = rsaKey('archera-image-test-next');
  volumes[keysMount.volume]!.write({ [current.file]: current.publicPem });

  const publicPort = await freePort();
  const issuer = `http://127.0.0.1:${publicPort}`;
  const replicas: Replica[] = [];
  for (let index = 1; index <= REPLICAS; index += 1) {
    const name = `archera-image-test-${run}-${index}`;
    cleanup.add(`podman rm ${name}`, () => podman(['rm', '--force', '--time', '0', name]).then(() => undefined));
    const replica = await startReplica({
      name,
      image: tag,
      pod,
      env: { ISSUER: issuer },
      volumes: Object.fromEntries(Object.entries(volumes).map(([volume, writer]) => [volume, writer.dir])),
      hostPorts: index === 1 ? { [config.port]: publicPort } : {},
    });
    replicas.push(replica);
    io.out(`replica ${index}: first 200 from ${probePath(pod, 'readinessProbe')} ${replica.readyAfterMs} ms after podman run`);
  }

  const conditions = await processConditions(replicas[0]!.name);
  const problems = [
    conditions.uid === uid && conditions.gid === gid ? '' : `runs as ${conditions.uid}:${conditions.gid}`,
    pod.user.fsGroup === undefined || conditions.groups.includes(pod.user.fsGroup) ? '' : `lacks the fsGroup ${pod.user.fsGroup}`,
    conditions.capabilities === 0n ? '' : `has capabilities ${conditions.capabilities.toString(16)}`,
    conditions.noNewPrivileges ? '' : 'may gain privileges',
    conditions.seccomp === 2 ? '' : `has seccomp mode ${conditions.seccomp}`,
    conditions.readOnlyRoot ? '' : 'has a writable root filesystem',
  ].filter(Boolean);
  if (problems.length > 0) throw new CommandError(`replica 1's process ${problems.join(', ')}`);
  pass(
    `PID 1 \`${conditions.argv.join(' ')}\`: uid ${conditions.uid}, groups ${conditions.groups.join(',')}, no capabilities, no new privileges, seccomp filter, read-only root`,
  );

  for (const [index, replica] of replicas.entries()) {
    for (const probe of pod.probes) {
      const { status } = await fetch(`${replica.url(probe.port)}${probe.path}`, { signal: AbortSignal.timeout(10_000) });
      if (status !== 200) throw new CommandError(`replica ${index + 1}: ${probe.kind} ${probe.path}: ${status}`);
    }
  }
  pass(`every replica answers 200 to ${pod.probes.map((probe) => `${probe.kind} ${probe.path}`).join(', ')}`);

  const report = await verifyDocuments(issuer);
  pass(`verify ${issuer}: ${report.counts.pass} passed, ${report.counts.warn} warnings, none failed`);
  const metadata = await discover(issuer);
  const alg = await signAndVerify(current.privatePem, current.kid, metadata.issuer, metadata.jwksUri);
  pass(`a JWT signed (${alg}) with the mounted key ${current.kid} verifies with jose against ${metadata.jwksUri}`);

  const origins = replicas.map((replica) => replica.url(config.port));
  for (const path of metadata.paths) await sameEverywhere(origins, path);
  pass(`all ${REPLICAS} replicas serve ${metadata.paths.join(' and ')} with the same bytes and ETag`);

  // --- a Secret update, as the kubelet applies it ------------------------------------------------------------
  const jwksPath = new URL(metadata.jwksUri).pathname;
  const swapped = Date.now();
  volumes[keysMount.volume]!.write({ [current.file]: current.publicPem, [next.file]: next.publicPem });
  const seen = await Promise.all(origins.map((origin) => firstServing(`${origin}${jwksPath}`, next.kid, swapped)));
  const convergedMs = Math.max(...seen);
  const jwks = await sameEverywhere(origins, jwksPath);
  if (JSON.stringify(kidsOf(jwks)) !== JSON.stringify([current.kid, next.kid]))
    throw new CommandError(`after the swap the replicas serve the kids ${kidsOf(jwks).join(', ')}`);
  const allowedMs = config.keysRescanIntervalMs + 1000;
  if (convergedMs > allowedMs)
    throw new CommandError(
      `the replicas served the new key set ${seen.join(', ')} ms after the swap; more than the rescan interval plus 1 s (${allowedMs} ms)`,
    );
  for (const origin of origins) await signAndVerify(next.privatePem, next.kid, metadata.issuer, `${origin}${jwksPath}`);
  pass(
    `after a ..data swap all ${REPLICAS} serve the new key set, identically, after ${seen.join(', ')} ms ` +
      `(at most the rescan interval ${config.keysRescanIntervalMs} ms + 1 s), and verify a JWT signed with it`,
  );

  // --- the stop, as the kubelet does it ----------------------------------------------------------------------
  const stops = await Promise.all(replicas.map((replica) => stopReplica(replica, pod)));
  for (const [index, stop] of stops.entries()) {
    if (stop.exitCode !== 0)
      throw new CommandError(
        `replica ${index + 1}: exit ${stop.exitCode} after SIGTERM (137: killed when the ${seconds(stop.allowedMs)} left ran out)`,
      );
  }
  pass(
    `${pod.preStop === undefined ? 'no preStop hook; ' : `preStop \`${pod.preStop.join(' ')}\` ran in each; `}SIGTERM: exit 0 after ` +
      `${stops.map((stop) => seconds(stop.drainMs)).join(', ')} (of ${seconds(stops[0]!.allowedMs)} left of the ${pod.terminationGracePeriodSeconds} s grace period)`,
  );
  io.out(
    `image:test passed: image ${(image.sizeBytes / 1e6).toFixed(0)} MB on ${bases.description}; first 200 after ` +
      `${replicas.map((replica) => `${replica.readyAfterMs} ms`).join(', ')}; keys converged in ${convergedMs} ms`,
  );
}

/** A key the test signs with: the Secret holds its public half only, as docs/deploying.md asks. */
function rsaKey(kid: string): { kid: string; file: string; publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    // The published kid is the file name without its extension (docs/keys.md).
    file: `${kid}.pem`,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Milliseconds after `since` at which `url` first served a key set with `kid`; throws past the ceiling. */
async function firstServing(url: string, kid: string, since: number): Promise<number> {
  while (Date.now() - since < CEILING_MS) {
    const answer = await fetchDocument(url).catch(() => undefined);
    if (answer !== undefined && kidsOf(answer.body).includes(kid)) return Date.now() - since;
    await sleep(25);
  }
  throw new CommandError(`${url} did not publish ${kid} within ${CEILING_MS} ms of the swap`);
}

function probePath(pod: Pod, kind: string): string {
  return pod.probes.find((probe) => probe.kind === kind)?.path ?? kind;
}

/** A port free on 127.0.0.1 now (for the ISSUER of the replicas, which must be known before they start). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function removeImages(images: readonly string[]): Promise<void> {
  for (const image of images) if (await podmanSucceeds(['image', 'exists', image])) await podman(['rmi', '--force', image]);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** What to undo, undone last-first once; a failure to undo is reported and the rest still undone. */
class Cleanup {
  readonly #steps: Array<{ what: string; undo: () => unknown }> = [];
  #ran: Promise<void> | undefined;

  constructor(private readonly io: CommandIo) {}

  add(what: string, undo: () => unknown): void {
    this.#steps.push({ what, undo });
  }

  run(): Promise<void> {
    this.#ran ??= (async () => {
      for (const { what, undo } of this.#steps.reverse()) {
        try {
          await undo();
        } catch (error) {
          this.io.err(`image:test: cleanup: ${what}: ${(error as Error).message}`);
        }
      }
    })();
    return this.#ran;
  }
}

await runAsProcess(command);
