/**
 * A cap on V8's young generation for the server process. Under sustained load V8 doubles its semi-spaces up to
 * 2 × 16 MB, a third of the process's resident memory here; capped at 2 × {@link CAP_MB} MB the server stays
 * within 1.3× the resident size of a bare node:http server after load (`npm run bench`), for a few percent of CPU
 * in extra minor collections (docs/performance.md).
 *
 * Node's `--max-semi-space-size` would do this at startup, but on Node 20 any V8 flag on the command line makes
 * Node compile its own modules instead of using its built-in code cache: ~35 ms more to the first answer, over a
 * fifth of the startup. So the cap is applied at run time with the one V8 setting that takes effect then, the
 * growth factor: after each garbage collection, growth is switched off once the young generation has reached the
 * cap, and back on if V8 has shrunk it below (it does when the server goes idle).
 *
 * V8 13 (Node 24) still grows the young generation a quarter of a megabyte at a time with growth switched off (to
 * ~2 × 14 MB in the test's allocation pattern, against 2 × 64 MB without it), so it is no cap there. The image runs
 * Node 24 and passes `--max-semi-space-size=4` on its command line instead, which costs Node 24 nothing at startup
 * (see the Dockerfile).
 *
 * @see https://v8.dev/blog/orinoco-parallel-scavenger
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Semi-space size, in MB, at which the young generation stops growing. */
const CAP_MB = 4;
/** V8's default growth factor of the semi-spaces. */
const GROWTH_FACTOR = 2;
/** `new_space` as V8 reports it: both semi-spaces. */
const CAP_BYTES = 2 * CAP_MB * 1024 * 1024;

/** Caps the young generation of this process from now on; returns the function that stops watching. */
export function capYoungGeneration(): () => void {
  let growing = true;
  const check = (): void => {
    const size = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
    const grow = size < CAP_BYTES;
    if (grow === growing) return;
    growing = grow;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? GROWTH_FACTOR : 1}`);
  };
  const observer = new PerformanceObserver(check);
  observer.observe({ entryTypes: ['gc'] });
  check();
  return () => observer.disconnect();
}
