/**
 * Before the suite: builds the production bundle once, for the suites that spawn `node dist/main.js` as operators
 * run it, and gives the run a temporary directory of its own.
 *
 * After it: every test removes what it creates. The run's TMPDIR (inherited by the workers and, through
 * test/support/process.ts, by the processes they start) must be empty again, and the project must hold no file that
 * was not there before; what is left fails the run, named, and is removed. The run's directory lets leftovers be
 * told apart from what other programs on the machine do with the shared TMPDIR meanwhile.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * What tools, not tests, keep in TMPDIR to share between their runs: tsx's compile cache (`tsx-<uid>`), and on Node
 * 22 and later Node's own (`node-compile-cache`), which the command lines of prettier, eslint and vite turn on. They
 * go with the run's directory.
 */
const TOOL_CACHES = /^(?:tsx-\d+|node-compile-cache)$/;

/**
 * The project's untracked and ignored files and directories, as git lists them; none when the project is not a git
 * checkout (the add-operation drill runs the suite on a copy).
 */
function untrackedInProject(): string[] {
  let status: string;
  try {
    status = execFileSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=normal'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return [];
  }
  return status.split('\n').filter((line) => line.startsWith('?? ') || line.startsWith('!! '));
}

export default function setup(): () => void {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'inherit' });
  const shared = tmpdir();
  const run = mkdtempSync(join(shared, 'wk-test-run-'));
  // Open to every user, as /tmp is: a test runs the server as the image's user on a tree below it.
  chmodSync(run, 0o1777);
  process.env.TMPDIR = run;
  const projectBefore = new Set(untrackedInProject());
  return () => {
    process.env.TMPDIR = shared;
    const leftInTmp = readdirSync(run).filter((name) => !TOOL_CACHES.test(name));
    rmSync(run, { recursive: true, force: true });
    const leftInProject = untrackedInProject().filter((line) => !projectBefore.has(line));
    const left = [...leftInTmp.map((name) => `TMPDIR/${name}`), ...leftInProject.map((line) => line.slice(3))];
    if (left.length > 0) {
      // vitest reports an error thrown here but exits 0 for it: the exit code says so too.
      process.exitCode = 1;
      throw new Error(
        `the tests left behind what they created (removed now from TMPDIR; remove the rest, and make the test that ` +
          `made it clean up, e.g. with tempDir from test/support/keys.ts):\n  ${left.join('\n  ')}`,
      );
    }
  };
}
