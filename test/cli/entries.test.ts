/**
 * Every entry of the project as a user starts it, through the one parser of src/cli/: `--help` prints the usage on
 * stdout and exits 0 having done nothing else, and an unknown option is one line plus the usage on stderr, exit 2,
 * never a stack trace. Run in an empty directory, so that an entry that ignored --help could not touch the project.
 */
import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TempDirs } from '../keys/helpers.js';
import { runIntoClosedPipe, runToEnd } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** Each entry, how it is started, and how its usage begins. */
const ENTRIES = [
  ['node dist/main.js', [join(ROOT, 'dist/main.js')], 'usage: node dist/main.js'],
  ['npm run keys', ['--import', 'tsx', join(ROOT, 'src/keys/cli.ts')], 'usage: npm run keys'],
  ['npm run verify', ['--import', 'tsx', join(ROOT, 'src/verify/cli.ts')], 'usage: npm run verify'],
  ['npm run spec:check', ['--import', 'tsx', join(ROOT, 'scripts/spec-check.ts')], 'usage: npm run spec:check'],
  ['npm run docs', ['--import', 'tsx', join(ROOT, 'scripts/docs.ts')], 'usage: npm run docs'],
  ['npm run image:test', ['--import', 'tsx', join(ROOT, 'scripts/image/main.ts')], 'usage: npm run image:test'],
  ['npm run bench', ['--import', 'tsx', join(ROOT, 'scripts/bench/main.ts')], 'usage: npm run bench'],
  ['npm run bench:keys', ['--import', 'tsx', join(ROOT, 'scripts/bench/keys.ts')], 'usage: npm run bench:keys'],
  ['scripts/bench/profile.ts', ['--import', 'tsx', join(ROOT, 'scripts/bench/profile.ts')], 'usage: npx tsx scripts/bench/profile.ts'],
  [
    'scripts/pipelining-flood.ts',
    ['--import', 'tsx', join(ROOT, 'scripts/pipelining-flood.ts')],
    'usage: npx tsx scripts/pipelining-flood.ts',
  ],
  ['scripts/merge-upstream.ts', ['--import', 'tsx', join(ROOT, 'scripts/merge-upstream.ts')], 'usage: npx tsx scripts/merge-upstream.ts'],
  ['npm run generate', ['--import', 'tsx', join(ROOT, 'scripts/generate.ts')], 'usage: npm run generate'],
  ['npm run build', ['--import', 'tsx', join(ROOT, 'scripts/build.ts')], 'usage: npm run build'],
  ['scripts/build-if-stale.ts', ['--import', 'tsx', join(ROOT, 'scripts/build-if-stale.ts')], 'usage: tsx scripts/build-if-stale.ts'],
] as const;

/** An empty directory but for node_modules, which `--import tsx` resolves from the working directory. */
function emptyProject(): string {
  const dir = temp.make();
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe.concurrent('every entry', () => {
  it.each(ENTRIES)('%s --help: the usage on stdout, exit 0, nothing else done', async (_name, args, usage) => {
    const cwd = emptyProject();
    const result = await runToEnd(process.execPath, [...args, '--help'], { cwd, env: {} });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.startsWith(usage)).toBe(true);
    expect(result.stdout).toMatch(/-h, --help/);
    expect(readdirSync(cwd)).toEqual(['node_modules']);
  });

  it.each(ENTRIES)('%s --help | head -0: a reader gone before the usage is written ends it quietly, exit 0', async (_name, args) => {
    const cwd = emptyProject();
    expect(await runIntoClosedPipe(process.execPath, [...args, '--help'], { cwd, env: {} })).toEqual({ code: 0, stderr: '' });
  });

  it.each(ENTRIES)('%s --bogus: one line naming it, then the usage, on stderr; exit 2', async (_name, args, usage) => {
    const cwd = emptyProject();
    const result = await runToEnd(process.execPath, [...args, '--bogus'], { cwd, env: {} });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    const [first, ...rest] = result.stderr.split('\n');
    expect(first).toMatch(/^(?:[\w:-]+: )?unknown option '--bogus'$/);
    expect(rest.join('\n').startsWith(usage)).toBe(true);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
