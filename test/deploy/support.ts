/**
 * Readers for the deployment files (Dockerfile, .dockerignore, deploy/kubernetes/) and a small model of what
 * `docker build` puts into the image, so the deploy suites check the real files rather than copies of their
 * values.
 */
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** deploy/kubernetes/ */
export const KUBE_DIR = join(ROOT, 'deploy/kubernetes');

type Json = Record<string, any>;

// --- Kubernetes manifests ------------------------------------------------------------------------------------

/**
 * Parses a manifest file into its documents. YAML 1.1, as kubectl's parser (go-yaml) reads it: there `0440`
 * is octal (288), in YAML 1.2 it would be decimal 440. Any parse error throws, naming the file.
 */
export function readYaml(file: string): Json[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1', prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [];
  for (const document of list) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) throw new Error(`${relative(ROOT, file)}: ${problems.map((p) => p.message).join('; ')}`);
  }
  return list.map((document) => document.toJS() as Json).filter((value) => value !== null && value !== undefined);
}

/** The kustomization and every resource it lists, parsed. */
export interface Manifests {
  readonly kustomization: Json;
  readonly resources: Json[];
  /** The first resource of `kind` (and `name`, if given); throws when there is none. */
  one(kind: string, name?: string): Json;
}

export function readManifests(): Manifests {
  const [kustomization] = readYaml(join(KUBE_DIR, 'kustomization.yaml'));
  if (kustomization === undefined) throw new Error('deploy/kubernetes/kustomization.yaml is empty');
  const resources = (kustomization.resources as string[]).flatMap((file) => readYaml(join(KUBE_DIR, file)));
  return {
    kustomization,
    resources,
    one(kind, name) {
      const found = resources.find((resource) => resource.kind === kind && (name === undefined || resource.metadata?.name === name));
      if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : ` ${name}`} in deploy/kubernetes`);
      return found;
    },
  };
}

/** The Deployment's single container. */
export function mainContainer(deployment: Json): Json {
  const containers = deployment.spec.template.spec.containers as Json[];
  if (containers.length !== 1) throw new Error(`expected one container, found ${containers.length}`);
  return containers[0]!;
}

/** The container's literal env as a record; a valueFrom entry throws (none is expected here). */
export function envOf(container: Json): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of (container.env ?? []) as Json[]) {
    if (typeof entry.value !== 'string') throw new Error(`env ${String(entry.name)} must be a string value (quote numbers)`);
    env[entry.name as string] = entry.value;
  }
  return env;
}

/** A Kubernetes memory quantity in bytes (Ki, Mi, Gi, or plain bytes). */
export function bytesOf(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity);
  if (match === null) throw new Error(`unsupported quantity ${quantity}`);
  const factor = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * factor;
}

// --- Dockerfile ----------------------------------------------------------------------------------------------

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** The Dockerfile's stages, line continuations joined and comments dropped. */
export function readDockerfile(file = join(ROOT, 'Dockerfile')): Stage[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const logical: string[] = [];
  let current = '';
  for (const line of lines) {
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) {
      if (upper === 'ARG') continue;
      throw new Error(`Dockerfile: ${upper} before FROM`);
    }
    stage.instructions.push({ keyword: upper, args });
  }
  return stages;
}

/** The final stage, the one the image is. */
export function runStage(stages: readonly Stage[]): Stage {
  const stage = stages.at(-1);
  if (stage === undefined) throw new Error('Dockerfile has no FROM');
  return stage;
}

/** A COPY instruction taken apart. */
export interface Copy {
  readonly from: string | undefined;
  readonly chown: string | undefined;
  readonly sources: string[];
  readonly dest: string;
}

export function parseCopy(args: string): Copy {
  const words = args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags = new Map<string, string>();
  while (words[0]?.startsWith('--')) {
    const [flag = '', value = ''] = words.shift()!.slice(2).split('=');
    flags.set(flag, value);
  }
  const dest = words.pop();
  if (dest === undefined || words.length === 0) throw new Error(`COPY ${args}: needs a source and a destination`);
  return { from: flags.get('from'), chown: flags.get('chown'), sources: words, dest };
}

/** The stage's WORKDIR (the last one), `/` when it sets none. */
export function workdirOf(stage: Stage): string {
  let dir = '/';
  for (const { keyword, args } of stage.instructions) if (keyword === 'WORKDIR') dir = posix.resolve(dir, args.trim());
  return dir;
}

/** The stage's ENV settings (`ENV A=b C=d` and the legacy `ENV A b`). */
export function envOfStage(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== 'ENV') continue;
    if (!args.includes('=')) {
      const [name = '', ...rest] = args.split(/\s+/);
      env[name] = rest.join(' ');
      continue;
    }
    for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      const value = match[2] ?? '';
      env[match[1]!] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    }
  }
  return env;
}

/** Every argument of the stage's instructions of `keyword`. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
}

// --- .dockerignore -------------------------------------------------------------------------------------------

/** `.dockerignore` patterns as moby's patternmatcher reads them: cleaned, `!` for exceptions. */
export function readDockerignore(file = join(ROOT, '.dockerignore')): Array<{ negated: boolean; regex: RegExp; pattern: string }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
      let source = '';
      for (let i = 0; i < pattern.length; i += 1) {
        const char = pattern[i]!;
        if (char === '*' && pattern[i + 1] === '*') {
          // `**/` matches any number of directories, zero included; a final `**` matches everything.
          if (pattern[i + 2] === '/') {
            source += '(?:.*/)?';
            i += 2;
          } else {
            source += '.*';
            i += 1;
          }
        } else if (char === '*') source += '[^/]*';
        else if (char === '?') source += '[^/]';
        else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negated, regex: new RegExp(`^${source}$`), pattern };
    });
}

/**
 * Whether `path` (relative, `/`-separated) is left out of the build context. As moby does it: a pattern
 * matches a path or any of its parent directories, and the last matching pattern decides.
 */
export function ignoredByDocker(path: string, patterns = readDockerignore()): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const { negated, regex } of patterns) {
    if (candidates.some((candidate) => regex.test(candidate))) ignored = !negated;
  }
  return ignored;
}

/** Every file of the work tree that `docker build .` would send, relative to ROOT. */
export function buildContext(root = ROOT, patterns = readDockerignore(join(root, '.dockerignore'))): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      // A directory that is ignored, with no exception pattern that could re-include below it, is not entered.
      if (entry.isDirectory()) {
        if (ignoredByDocker(path, patterns) && !patterns.some((p) => p.negated && p.pattern.startsWith(`${path}/`))) continue;
        walk(path);
      } else if (!ignoredByDocker(path, patterns)) {
        files.push(path);
      }
    }
  };
  walk('');
  return files.sort();
}

// --- assembling the image's filesystem -------------------------------------------------------------------------

/** Where image path `path` lives under the fake root `root`. */
export function hostPath(root: string, path: string): string {
  return join(root, ...posix.resolve('/', path).split('/'));
}

/**
 * Performs a stage's COPY instructions into the fake root `root`, as Docker does: a directory source copies its
 * contents into the destination; several sources, or a destination ending in `/`, copy into that directory.
 * `resolve` maps a source to a host path: `from` is the stage name (or undefined for the build context).
 * `run` performs RUN instructions, in order with the copies. Returns the stage's WORKDIR.
 */
export function assembleStage(
  stage: Stage,
  root: string,
  resolve: (source: string, from: string | undefined, workdir: string) => { path: string; filter?: (host: string) => boolean },
  run: (command: string, cwd: string) => void = (command) => {
    throw new Error(`RUN ${command}: not modelled`);
  },
): string {
  let workdir = '/';
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, args.trim());
      mkdirSync(hostPath(root, workdir), { recursive: true });
    } else if (keyword === 'RUN') {
      run(args, hostPath(root, workdir));
    } else if (keyword === 'ADD') {
      throw new Error('ADD is not modelled; use COPY');
    } else if (keyword === 'COPY') {
      const copy = parseCopy(args);
      const dest = posix.resolve(workdir, copy.dest);
      const intoDir = copy.dest.endsWith('/') || copy.sources.length > 1;
      for (const source of copy.sources) {
        const { path, filter } = resolve(source, copy.from, workdir);
        if (!existsSync(path)) throw new Error(`COPY ${args}: ${source} does not exist (${path})`);
        const target = statSync(path).isDirectory() || !intoDir ? hostPath(root, dest) : hostPath(root, posix.join(dest, basename(source)));
        mkdirSync(statSync(path).isDirectory() ? target : dirname(target), { recursive: true });
        cpSync(path, target, { recursive: true, filter: filter ?? (() => true) });
      }
    }
  }
  return workdir;
}

/**
 * The run stage's filesystem under `root`, taking the build stage's files from `buildRoot` (a fake root the build
 * stage was assembled into) or, when omitted, from the work tree, which mirrors the build stage's WORKDIR
 * (test/deploy/image.test.ts checks that a build from the context really does). Returns the run WORKDIR.
 */
export function assembleRunStage(root: string, buildRoot?: string): string {
  const stages = readDockerfile();
  const stage = runStage(stages);
  return assembleStage(stage, root, (source, from) => {
    if (from === undefined) return { path: join(ROOT, source) };
    const origin = stages.find((candidate) => candidate.name === from);
    if (origin === undefined) throw new Error(`COPY --from=${from}: no such stage`);
    if (buildRoot !== undefined) return { path: hostPath(buildRoot, source) };
    const buildDir = workdirOf(origin);
    const rel = posix.relative(buildDir, posix.resolve(buildDir, source));
    if (rel.startsWith('..')) throw new Error(`COPY --from=${from} ${source}: outside the build stage's WORKDIR ${buildDir}`);
    return { path: join(ROOT, rel) };
  });
}

/** A snapshot of a tree (path, type, mode, size, mtime) to prove that nothing was written. */
export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    const info = lstatSync(path);
    out.push(`${relative(dir, path)} ${info.mode.toString(8)} ${info.size} ${info.mtimeMs}`);
    if (info.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  walk(dir);
  return out;
}

/** `chmod -R a-w`, symlinks left alone. */
export function makeReadOnly(path: string): void {
  const info = lstatSync(path);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) for (const name of readdirSync(path)) makeReadOnly(join(path, name));
  chmodSync(path, info.mode & 0o7555);
}

// --- processes ---------------------------------------------------------------------------------------------

export { spawnLogged, type NodeProcess } from '../support/process.js';
