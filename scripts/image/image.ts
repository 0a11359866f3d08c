/**
 * The image: built from the Dockerfile as it is (the bases and the registry access passed in as build arguments
 * and secrets), then read back: its size and configuration from `podman image inspect`, and every layer's files
 * from `podman save`, to show what the final image holds and what it must not.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../deploy/paths.js';
import type { Bases } from './base-images.js';
import { podman, podmanShown, rlimitFlags } from './podman.js';
import type { RegistryAccess } from './registry-access.js';

/** Builds the Dockerfile at the repository root into `tag`. */
export async function buildImage(tag: string, bases: Bases, access: RegistryAccess): Promise<void> {
  await podmanShown([
    'build',
    ...rlimitFlags(),
    // No intermediate images are kept: nothing is left behind but the tagged image.
    '--layers=false',
    ...Object.entries(bases.buildArgs).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
    ...access.secretFlags,
    '--tag',
    tag,
    ROOT,
  ]);
}

/** What `podman image inspect` says of an image. */
export interface ImageConfig {
  readonly sizeBytes: number;
  readonly user: string;
  readonly cmd: readonly string[];
  readonly entrypoint: readonly string[];
  readonly env: readonly string[];
}

export async function inspectImage(tag: string): Promise<ImageConfig> {
  const [image] = JSON.parse(await podman(['image', 'inspect', tag])) as Array<{
    Size: number;
    Config: { User?: string; Cmd?: string[]; Entrypoint?: string[]; Env?: string[] };
  }>;
  return {
    sizeBytes: image!.Size,
    user: image!.Config.User ?? '',
    cmd: image!.Config.Cmd ?? [],
    entrypoint: image!.Config.Entrypoint ?? [],
    env: image!.Config.Env ?? [],
  };
}

/** One layer of the image: the paths it holds, and whether any of its files holds one of the searched contents. */
export interface Layer {
  readonly paths: readonly string[];
  /** For each searched content (by its name), whether a file of this layer holds it. */
  readonly holds: Readonly<Record<string, boolean>>;
}

/**
 * Every layer of the image, in order, from `podman save` into `dir`: its paths, and whether a file in it holds
 * any of `contents` (name → bytes), searched in the layer's file contents as `tar` streams them.
 */
export async function layersOf(tag: string, dir: string, contents: Readonly<Record<string, Buffer>>): Promise<Layer[]> {
  const archive = join(dir, 'image.tar');
  await podman(['save', '--format', 'docker-archive', '--output', archive, tag]);
  execFileSync('tar', ['-xf', archive, '-C', dir, 'manifest.json']);
  const [manifest] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
  const layers: Layer[] = [];
  for (const layer of manifest!.Layers) {
    execFileSync('tar', ['-xf', archive, '-C', dir, layer]);
    const paths = execFileSync('tar', ['-tf', join(dir, layer)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).split('\n');
    layers.push({ paths: paths.filter(Boolean), holds: await search(join(dir, layer), contents) });
  }
  return layers;
}

/** Whether the concatenated file contents of tarball `file` contain each of `contents`. */
function search(file: string, contents: Readonly<Record<string, Buffer>>): Promise<Record<string, boolean>> {
  const found: Record<string, boolean> = Object.fromEntries(Object.keys(contents).map((name) => [name, false]));
  const overlap = Math.max(0, ...Object.values(contents).map((bytes) => bytes.length - 1));
  let tail = Buffer.alloc(0);
  const tar = spawn('tar', ['-xOf', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  tar.stdout.on('data', (chunk: Buffer) => {
    const window = Buffer.concat([tail, chunk]);
    for (const [name, bytes] of Object.entries(contents)) if (!found[name] && window.includes(bytes)) found[name] = true;
    tail = window.subarray(Math.max(0, window.length - overlap));
  });
  return new Promise((resolve, reject) => {
    tar.once('error', reject);
    tar.once('close', (code) => (code === 0 ? resolve(found) : reject(new Error(`tar -xOf ${file}: exit ${code}`))));
  });
}
