import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runToEnd } from '../support/process.js';

const FIXTURE = fileURLToPath(new URL('fixtures/grow-young-generation.ts', import.meta.url));
const MB = 1024 * 1024;
/** V8 before 13 (Node 20, 22) honours the growth factor the cap switches; V8 13 (Node 24) grows regardless. */
const RUN_TIME_CAP_HOLDS = Number(process.versions.v8.split('.')[0]) < 13;

/** The largest young generation (both semi-spaces) a process allocating with survivors reached. */
async function largestYoungGeneration(mode: 'capped' | 'uncapped', nodeFlags: readonly string[] = []): Promise<number> {
  const run = await runToEnd(process.execPath, [...nodeFlags, '--import', 'tsx', FIXTURE, mode, '400']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return Number(run.stdout.trim());
}

describe('the young generation cap', () => {
  it.runIf(RUN_TIME_CAP_HOLDS)(
    'keeps both semi-spaces within 2 × 4 MB at run time where V8 alone grows them beyond',
    async () => {
      const [uncapped, capped] = await Promise.all([largestYoungGeneration('uncapped'), largestYoungGeneration('capped')]);
      // Without the cap the same allocations grow it past the cap, so the comparison can fail.
      expect(uncapped).toBeGreaterThan(8 * MB);
      expect(capped).toBeLessThanOrEqual(8 * MB);
    },
    60_000,
  );

  it('stays bounded with the image command line, on every supported Node', async () => {
    // The Dockerfile's CMD flag (test/deploy/manifests.test.ts pins it there) with the run-time cap, as the image runs.
    const [uncapped, capped] = await Promise.all([
      largestYoungGeneration('uncapped'),
      largestYoungGeneration('capped', ['--max-semi-space-size=4']),
    ]);
    expect(uncapped).toBeGreaterThan(16 * MB);
    expect(capped).toBeLessThanOrEqual(16 * MB);
  }, 60_000);
});
