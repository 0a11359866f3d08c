/**
 * No export of `src/` exists only for tests (issue #14): tests reach a module through what `src/` and `scripts/`
 * themselves call, and a spec value a test needs is spelled in the test, saying where the rule comes from.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/contract/spec.js';
import { tempDir } from '../support/keys.js';
import { unusedExports } from './unused-exports.js';

const ROOT = projectRoot();

/** Files started as programs: the bundle's entry (`scripts/build.ts`) and every `src/` file an npm script runs. */
function entryPoints(root: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const run = Object.values(scripts).flatMap((command) =>
    command.split(/\s+/).filter((word) => word.startsWith('src/') && word.endsWith('.ts')),
  );
  return [...new Set(['src/main.ts', ...run])].sort();
}

describe('exports of src/', () => {
  it('the entry points are the server and the keys and verify CLIs', () => {
    expect(entryPoints(ROOT)).toEqual(['src/keys/cli.ts', 'src/main.ts', 'src/verify/cli.ts']);
  });

  it('every export is used by src/ or scripts/, not only by tests', () => {
    expect(unusedExports(ROOT, entryPoints(ROOT))).toEqual([]);
  });
});

describe('unusedExports', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A project of `files` (path → source) in a fresh directory. */
  function project(files: Record<string, string>): string {
    const root = tempDir();
    dirs.push(root);
    for (const [path, source] of Object.entries({ 'package.json': '{ "type": "module" }', ...files })) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), source);
    }
    return root;
  }

  it('names what only a test or nobody imports, and accepts every form of use', () => {
    const root = project({
      'src/shapes.ts': [
        'export interface Options { readonly size: number }',
        'export interface Internal { readonly secret: string }',
        'export function area(options: Options): number { const probe: Internal = { secret: "" }; return options.size + probe.secret.length; }',
        'export const TEST_ONLY = 1;',
        'export const BY_NAMESPACE = 2;',
        'export const BY_SCRIPT = 3;',
        'export type ByTypeImport = string;',
        'export const RE_EXPORTED = 4;',
      ].join('\n'),
      'src/relay.ts': "export { RE_EXPORTED } from './shapes.js';\nexport { RE_EXPORTED as UNUSED_ALIAS } from './shapes.js';",
      'src/user.ts': [
        "import * as shapes from './shapes.js';",
        "import { area } from './shapes.js';",
        "import { RE_EXPORTED } from './relay.js';",
        "export const total: import('./shapes.js').ByTypeImport = String(area({ size: shapes.BY_NAMESPACE }) + RE_EXPORTED);",
      ].join('\n'),
      'src/cli.ts': "import { total } from './user.js';\nexport function main(): string { return total; }",
      'scripts/tool.ts': "import { BY_SCRIPT } from '../src/shapes.js';\nconsole.log(BY_SCRIPT);",
      'test/shapes.test.ts': "import { TEST_ONLY } from '../src/shapes.js';\nconsole.log(TEST_ONLY);",
    });
    expect(unusedExports(root, ['src/cli.ts'])).toEqual([
      'src/relay.ts: UNUSED_ALIAS',
      'src/shapes.ts: Internal',
      'src/shapes.ts: TEST_ONLY',
    ]);
    expect(unusedExports(root, [])).toEqual([
      'src/cli.ts: main',
      'src/relay.ts: UNUSED_ALIAS',
      'src/shapes.ts: Internal',
      'src/shapes.ts: TEST_ONLY',
    ]);
  });
});
