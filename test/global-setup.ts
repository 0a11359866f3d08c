import { execFileSync } from 'node:child_process';

/** Builds the production bundle once, for the suites that spawn `node dist/main.js` as operators run it. */
export default function setup(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'inherit' });
}
