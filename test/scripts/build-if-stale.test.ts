/**
 * `npm start` and `npm run check`: build dist/ first when it is missing or older than its sources
 * (scripts/build-if-stale.ts), and only then; the check then checks the configuration with the build.
 */
import { cpSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { staleReason } from '../../scripts/build-if-stale.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { TempDirs } from '../keys/helpers.js';
import { runToEnd, type FinishedProcess } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** A build of a minute ago and sources of two minutes ago, which `touch` makes newer. */
function builtProject(): { root: string; touch(file: string): void } {
  const root = temp.make();
  const write = (file: string, seconds: number): void => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '');
    const time = Date.now() / 1000 - seconds;
    utimesSync(join(root, file), time, time);
  };
  for (const file of ['src/main.ts', 'src/keys/key-dir.ts', 'openapi.json', 'package.json']) write(file, 120);
  write('dist/main.js', 60);
  return { root, touch: (file) => write(file, 0) };
}

describe('staleReason', () => {
  it('is undefined while dist/main.js is newer than every input; missing inputs do not count', () => {
    expect(staleReason(builtProject().root)).toBeUndefined();
  });

  it('names a missing build', () => {
    const { root } = builtProject();
    expect(staleReason(join(root, 'src'))).toBe('dist/main.js is missing');
  });

  it.each([
    ['src/keys/key-dir.ts'],
    ['src/new-file.ts'],
    ['openapi.json'],
    ['generated/operations.ts'],
    ['node_modules/.package-lock.json'],
  ])('names %s, changed after the build', (file) => {
    const project = builtProject();
    project.touch(file);
    expect(staleReason(project.root)).toBe(`${file} changed after the last build`);
  });
});

/** A copy of what the build and the check read, with the project's node_modules linked in. */
function projectCopy(): string {
  const dir = temp.make();
  for (const entry of ['src', 'scripts', 'generated', 'openapi.json', 'package.json', 'tsconfig.json']) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function npmRun(script: 'start' | 'check', cwd: string, env: Record<string, string>): Promise<FinishedProcess> {
  // npm wants a home directory for its cache and configuration, even to run a script.
  return runToEnd('npm', ['run', script, '--silent'], { cwd, env: { HOME: process.env.HOME ?? cwd, ...env } });
}

/** The boot failure of `PORT=abc`: the server stops at once, so npm start leaves nothing running. */
const REFUSED_PORT = 'invalid configuration:\n  - PORT: "abc" is not a whole number from 0 to 65535\n';

describe('npm start and npm run check', () => {
  it(
    'build dist/ when it is missing, not when it is current; the check reports on stdout what node dist/main.js --check finds',
    async () => {
      const project = projectCopy();
      const env = { ISSUER: 'https://auth.example.com', KEYS_DIR: keysDirWith({ main: rsaKey() }) };
      const start = await npmRun('start', project, { ...env, PORT: 'abc' });
      expect(start.code).toBe(1);
      expect(start.stderr).toMatch(/^dist\/main\.js is missing: building dist\/ first\ngenerated\/ is up to date\nbuilt [^\n]+\n/);
      expect(start.stderr.endsWith(REFUSED_PORT)).toBe(true);

      const first = await npmRun('check', project, env);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toMatch(/^contract: .*openapi\.json \(\d+ operations\)\nmetadata:\n/);
      expect(first.stdout).toMatch(/main\.pem\s+main\s+RS256\s+2048\s+published/);

      const metadataFile = join(project, 'metadata.json');
      writeFileSync(metadataFile, '{\n  "scopes_supported": ["openid"]\n  "token_endpoint": "https://auth.example.com/token"\n}\n');
      const second = await npmRun('check', project, { ...env, METADATA_FILE: metadataFile });
      expect(second).toEqual({
        code: 1,
        stdout: `FAIL invalid configuration:\n  - METADATA_FILE: ${metadataFile}: invalid JSON at line 3, column 3: expected ',' or '}' after property value\n`,
        stderr: '',
      });

      expect(await npmRun('start', project, { ...env, PORT: 'abc' })).toEqual({ code: 1, stdout: '', stderr: REFUSED_PORT });
    },
    // A build (esbuild and compiling the contract) and four npm runs on a loaded machine: a ceiling, not a target.
    240_000,
  );
});
