/**
 * What `docker build .` sends: the work tree filtered by `.dockerignore`, matched by `@balena/dockerignore`
 * (Docker's own pattern semantics: a pattern matches a path or any parent directory, `!` re-includes, the last
 * matching pattern decides).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import dockerignorePackage, { type Ignore } from '@balena/dockerignore';
import { ROOT } from '../../../scripts/deploy/paths.js';

// The package is CommonJS (`module.exports = ignore`) typed as an ES module: its default import is the function.
const ignore = dockerignorePackage as unknown as typeof dockerignorePackage.default;

/** The patterns of `<root>/.dockerignore`. */
function patternsOf(root: string): string[] {
  return readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
}

/** The `.dockerignore` matcher of `root`: `ignores(path)` for a `/`-separated path relative to it. */
export function dockerignore(root = ROOT): Ignore {
  return ignore().add(patternsOf(root));
}

/** Every file of the work tree that `docker build .` would send, relative to `root`, sorted. */
export function buildContext(root = ROOT): string[] {
  const matcher = dockerignore(root);
  // Docker's walk skips an ignored directory unless an exception pattern names something inside it; pruning the
  // same way keeps node_modules/ and .git/ out of the walk.
  const exceptions = patternsOf(root)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1).replace(/^\/+/, ''));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!matcher.ignores(path) || exceptions.some((pattern) => pattern.startsWith(`${path}/`))) walk(path);
      } else if (!matcher.ignores(path)) {
        files.push(path);
      }
    }
  };
  walk('');
  return files.sort();
}
