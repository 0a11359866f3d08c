/**
 * The lint ruleset `redocly.yaml` sits where Redocly's own tools, and the tools built on them, look for one: in the
 * project folder. It must not make them refuse the project's `openapi.json`. (What spec:check makes of the
 * findings is tested in check.test.ts.)
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd } from '../../support/process.js';
import { ROOT } from './helpers.js';

/** Generous: openapi-typescript lints and converts in a second or two, longer on a loaded machine. */
const CLI_TIMEOUT = 60_000;

describe('redocly.yaml in the project folder', () => {
  it(
    '`npx openapi-typescript openapi.json` run there prints the types and exits 0',
    async () => {
      // What npx runs for an installed package: its bin.
      const result = await runToEnd(join(ROOT, 'node_modules/.bin/openapi-typescript'), ['openapi.json'], { cwd: ROOT });
      expect(result.stderr).not.toMatch(/✘|Error:/);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('export interface paths {');
    },
    CLI_TIMEOUT,
  );
});
