/**
 * The first step of `npm start` and `npm run check` (their `prestart` and `precheck` scripts): builds `dist/` with
 * `scripts/build.ts` when it is missing or older than anything it is built from, so both run the sources as they
 * are, without the seconds of a build when nothing changed (and `npm ci && npm start` works on a fresh clone). The
 * build's own lines go to stderr: stdout is left to the check's report and the server's log.
 *
 * Building only when needed matters beyond speed: a build replaces `dist/`, from which a server started with
 * `npm start` loads code on demand, so an unneeded rebuild could pull files from under it.
 *
 * Exit codes: 0 `dist/` is current (built now or before), 1 the build failed, 2 usage error.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineCommand, EXIT, isEntryModule, runAsProcess } from '../src/cli/command.js';
import { projectRoot } from '../src/contract/spec.js';
import { CommandError } from '../src/errors.js';

/**
 * What `dist/` is built from, relative to the project root: the bundled sources, the contract compiled into it,
 * the build script, and the installed dependencies (npm rewrites `node_modules/.package-lock.json` on every
 * install). A directory stands for every file below it.
 */
export const BUILD_INPUTS: readonly string[] = [
  'src',
  'generated',
  'openapi.json',
  'scripts/build.ts',
  'tsconfig.json',
  'package.json',
  'package-lock.json',
  'node_modules/.package-lock.json',
];

/** The file whose age is the build's: the bundle is written last but for its source map. */
const BUILT = join('dist', 'main.js');

/**
 * Why `dist/` in `root` needs a build (`dist/main.js is missing`, `src/service.ts changed after the last build`),
 * or `undefined` when it is current. Missing inputs are ignored.
 */
export function staleReason(root: string): string | undefined {
  const built = modifiedMs(join(root, BUILT));
  if (built === undefined) return `${BUILT} is missing`;
  for (const input of BUILD_INPUTS) {
    const newer = newerFile(join(root, input), built);
    if (newer !== undefined) return `${relative(root, newer)} changed after the last build`;
  }
  return undefined;
}

/** The first file at or below `path` modified after `than` (ms since the epoch). */
function newerFile(path: string, than: number): string | undefined {
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true, recursive: true });
  } catch {
    // Not a directory (or absent): the path itself.
    const modified = modifiedMs(path);
    return modified !== undefined && modified > than ? path : undefined;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const modified = modifiedMs(file);
    if (modified !== undefined && modified > than) return file;
  }
  return undefined;
}

function modifiedMs(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

const command = defineCommand({
  name: 'build-if-stale',
  usage: `usage: tsx scripts/build-if-stale.ts (npm start and npm run check run it first)

  Builds dist/ (npm run build) when it is missing or older than its sources.
  -h, --help  show this text`,
  options: {},
  run: (_line, io) => {
    const root = projectRoot(process.cwd());
    const reason = staleReason(root);
    if (reason === undefined) return EXIT.ok;
    io.err(`${reason}: building dist/ first`);
    const build = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build.ts')], {
      cwd: root,
      stdio: ['ignore', process.stderr, process.stderr],
    });
    if (build.status !== 0)
      throw new CommandError(`the build failed${build.error ? ` (${build.error.message})` : ''}; nothing was started or checked`);
    return EXIT.ok;
  },
});

if (isEntryModule(import.meta.url)) await runAsProcess(command);
