import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runToEnd } from '../support/process.js';

const FIXTURE = fileURLToPath(new URL('fixtures/grow-young-generation.ts', import.meta.url));
const MB = 1024 * 1024;

/** The largest young generation (both semi-spaces) a process allocating with survivors reached. */
async function largestYoungGeneration(mode: 'capped' | 'uncapped'): Promise<number> {
  const run = await runToEnd(process.execPath, ['--import', 'tsx', FIXTURE, mode, '400']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return Number(run.stdout.trim());
}

describe('the young generation cap', () => {
  it('keeps both semi-spaces within 2 × 4 MB where V8 alone grows them beyond', async () => {
    const [uncapped, capped] = await Promise.all([largestYoungGeneration('uncapped'), largestYoungGeneration('capped')]);
    // Without the cap the same allocations grow it past the cap, so the comparison can fail.
    expect(uncapped).toBeGreaterThan(8 * MB);
    expect(capped).toBeLessThanOrEqual(8 * MB);
  }, 60_000);
});
