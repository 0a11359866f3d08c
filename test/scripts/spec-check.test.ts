/**
 * The `npm run spec:check` command line on temporary copies of the contract: its exit codes and where its
 * lines go. (What the checks find is tested in spec/check.test.ts.)
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd, type FinishedProcess } from '../support/process.js';
import { ROOT, specProject } from './spec/helpers.js';

/** Generous: tsx and Redocly CLI start in a second or two, longer on a loaded machine. */
const CLI_TIMEOUT = 60_000;

function specCheck(cwd: string, args: readonly string[]): Promise<FinishedProcess> {
  return runToEnd(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/spec-check.ts'), ...args], { cwd });
}

describe('npm run spec:check', () => {
  it(
    'exits 0 on a clean checkout of main, reporting both checks on stdout',
    async () => {
      const result = await specCheck(specProject().dir, []);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /^spec:check: openapi\.json against main \(merge-base [0-9a-f]{8}\): no breaking changes\nspec:check: lint \(redocly\.yaml\): no new findings \(6 accepted in openapi\.lint-baseline\.yaml\)\n$/,
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
        'spec:check: cannot resolve the base contract: this repository has no branch main (nor origin/main); fetch it or pass --base <git-ref>',
        'spec:check: FAILED',
        '',
      ]);
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
