/**
 * The `npm run spec:check` command line on temporary copies of the contract: its exit codes and where its
 * lines go. (What the checks find is tested in spec/check.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runToEnd, type FinishedProcess } from '../support/process.js';
import { ROOT, specProject } from './spec/helpers.js';

/** Generous: tsx and Redocly CLI start in a second or two, longer on a loaded machine. */
const CLI_TIMEOUT = 60_000;

/** Runs spec:check in `cwd`, with the test's environment without SPEC_CHECK_BASE, plus `env`. */
function specCheck(cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<FinishedProcess> {
  const inherited = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[0] !== 'SPEC_CHECK_BASE' && entry[1] !== undefined,
  );
  return runToEnd(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/spec-check.ts'), ...args], {
    cwd,
    env: { ...Object.fromEntries(inherited), ...env },
  });
}

/** How many lint findings the committed baseline accepts: it grows with the upstream exports. */
const BASELINED = (parse(readFileSync(join(ROOT, 'openapi.lint-baseline.yaml'), 'utf8')) as { accepted: unknown[] }).accepted.length;

describe('npm run spec:check', () => {
  it(
    'exits 0 on a clean checkout of main, reporting both checks on stdout',
    async () => {
      const result = await specCheck(specProject().dir, []);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(
          `^spec:check: openapi\\.json against HEAD\\^ on main \\([0-9a-f]{8}\\): no breaking changes\nspec:check: lint \\(redocly\\.yaml\\): no new findings \\(${BASELINED} accepted in openapi\\.lint-baseline\\.yaml\\)\n$`,
        ),
      );
    },
    CLI_TIMEOUT,
  );

  it(
    'exits 1 when a check cannot run, with the reason on one line of stderr',
    async () => {
      const result = await specCheck(specProject({ branch: 'trunk' }).dir, []);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n')).toEqual([
        'spec:check: cannot resolve the base contract: this repository has no default branch (origin/HEAD, main or master); fetch it or pass --base <git-ref> (or set SPEC_CHECK_BASE)',
        'spec:check: FAILED',
        '',
      ]);
    },
    CLI_TIMEOUT,
  );

  it(
    'takes the base from SPEC_CHECK_BASE, and from --base before it',
    async () => {
      const project = specProject({ branch: 'trunk' });
      const head = project.git('rev-parse', 'HEAD');
      const fromEnv = await specCheck(project.dir, [], { SPEC_CHECK_BASE: 'HEAD~1' });
      expect(fromEnv.code).toBe(0);
      expect(fromEnv.stdout).toContain(
        `spec:check: openapi.json against HEAD~1 (${project.git('rev-parse', 'HEAD~1').slice(0, 8)}, from SPEC_CHECK_BASE): no breaking changes`,
      );
      const fromOption = await specCheck(project.dir, ['--base', 'HEAD'], { SPEC_CHECK_BASE: 'no-such-ref' });
      expect(fromOption.code).toBe(0);
      expect(fromOption.stdout).toContain(`spec:check: openapi.json against HEAD (${head.slice(0, 8)}): no breaking changes`);
    },
    CLI_TIMEOUT,
  );

  it(
    'exits 2 with the reason and the usage on an unknown argument',
    async () => {
      const result = await specCheck(specProject({ git: false }).dir, ['--bsae', 'main']);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toMatch(/^spec:check: unknown option '--bsae'\nusage: npm run spec:check \[-- --base <git-ref>\]\n/);
    },
    CLI_TIMEOUT,
  );
});
