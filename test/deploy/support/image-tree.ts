/**
 * The image's filesystem without a container engine: a stage's WORKDIR, COPY and RUN lines replayed into a
 * directory standing for `/`, build-context sources filtered by `.dockerignore` as Docker filters them.
 */
import { chmodSync, cpSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import type { Copy } from 'dockerfile-ast';
import { dockerignore } from './build-context.js';
import { copySpec, fromOf, readDockerfile, runStage, workdirOf, type Stage } from '../../../scripts/deploy/dockerfile.js';
import { ROOT } from '../../../scripts/deploy/paths.js';

/** Where image path `path` lives under the fake root `root`. */
export function hostPath(root: string, path: string): string {
  return join(root, ...posix.resolve('/', path).split('/'));
}

/** Replays a stage's instructions the image's files depend on. */
export interface Replay {
  /**
   * The host path of `source` in stage `from` (COPY --from), or null for a file of that stage's base image (the
   * node binary), which the replay does not hold: that COPY is skipped.
   */
  readonly fromStage?: (from: string, source: string) => string | null;
  /** Performs a RUN instruction in `cwd` (the WORKDIR's host path). */
  readonly run?: (command: string, cwd: string) => void;
}

/**
 * Performs a stage's WORKDIR, COPY and RUN instructions into the fake root `root`, as Docker does: a directory
 * source copies its contents into the destination; several sources, or a destination ending in `/`, copy into
 * that directory. Returns the stage's WORKDIR.
 */
export function assembleStage(stage: Stage, root: string, replay: Replay = {}): string {
  const ignored = dockerignore();
  const inContext = (host: string): boolean => {
    const path = relative(ROOT, host).split(sep).join('/');
    return path === '' || !ignored.ignores(path);
  };
  let workdir = '/';
  for (const instruction of stage.getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArgumentsContent() ?? '';
    if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, args);
      mkdirSync(hostPath(root, workdir), { recursive: true });
    } else if (keyword === 'RUN') {
      if (replay.run === undefined) throw new Error(`RUN ${args}: not modelled`);
      replay.run(args, hostPath(root, workdir));
    } else if (keyword === 'ADD') {
      throw new Error('ADD is not modelled; use COPY');
    } else if (keyword === 'COPY') {
      const copy = copySpec(instruction as Copy);
      const dest = posix.resolve(workdir, copy.dest);
      const intoDir = copy.dest.endsWith('/') || copy.sources.length > 1;
      for (const source of copy.sources) {
        if (copy.from !== undefined && replay.fromStage === undefined) throw new Error(`COPY --from=${copy.from}: no stage to copy from`);
        const path = copy.from === undefined ? join(ROOT, source) : replay.fromStage!(copy.from, source);
        if (path === null) continue;
        if (copy.from === undefined && !inContext(path)) throw new Error(`COPY ${args}: ${source} is not in the build context`);
        const isDir = statSync(path).isDirectory();
        const target = isDir || !intoDir ? hostPath(root, dest) : hostPath(root, posix.join(dest, basename(source)));
        mkdirSync(isDir ? target : dirname(target), { recursive: true });
        cpSync(path, target, { recursive: true, filter: copy.from === undefined ? inContext : () => true });
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
  return assembleStage(runStage(stages), root, {
    fromStage(from, source) {
      const origin = stages.find((candidate) => fromOf(candidate).getBuildStage() === from);
      if (origin === undefined) throw new Error(`COPY --from=${from}: no such stage`);
      const buildDir = workdirOf(origin);
      const rel = posix.relative(buildDir, posix.resolve(buildDir, source));
      // Outside the WORKDIR: a file of the build stage's base image (the node binary), not something it built.
      if (rel.startsWith('..')) return null;
      return buildRoot === undefined ? join(ROOT, rel) : hostPath(buildRoot, source);
    },
  });
}

/** A snapshot of a tree (path, mode, size, mtime) to prove that nothing was written. */
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
