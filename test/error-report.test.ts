/**
 * How errors reach the people running the service: an expected condition by its code and message, a bug with a
 * stack that names the source files and lines, also when it is thrown in the minified bundle.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { errorForLog } from '../src/error-report.js';
import { KeysUnavailableError, ListenError } from '../src/errors.js';
import { tempDir } from './support/keys.js';
import { runToEnd } from './support/process.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

describe('errorForLog', () => {
  it('logs an expected condition as its code and message, without a stack', () => {
    expect(errorForLog(new KeysUnavailableError())).toEqual({ code: 'ERR_KEYS_UNAVAILABLE', message: 'Failed to load keys' });
  });

  it('adds the message of its cause, still without a stack', () => {
    const cause = Object.assign(new Error('listen EADDRINUSE: address already in use 0.0.0.0:3000'), { code: 'EADDRINUSE' });
    expect(errorForLog(new ListenError('PORT', '3000 is already in use on 0.0.0.0 (EADDRINUSE)', { cause }))).toEqual({
      code: 'ERR_LISTEN',
      message: 'PORT: 3000 is already in use on 0.0.0.0 (EADDRINUSE)',
      cause: 'listen EADDRINUSE: address already in use 0.0.0.0:3000',
    });
  });

  it('logs anything else with its type, message and stack', () => {
    const logged = errorForLog(new TypeError('x is not a function'));
    expect(logged).toMatchObject({ type: 'TypeError', message: 'x is not a function' });
    expect(logged.stack).toMatch(/^TypeError: x is not a function\n\s+at .*error-report\.test\.ts:\d+:\d+/);
  });
});

describe('a bug in the minified bundle', () => {
  it('prints a stack naming the source files and lines, from the source map beside the bundle', async () => {
    const dir = tempDir('wk-bundle-');
    // A command whose run has a bug, bundled as scripts/build.ts bundles the server: minified, with a source map.
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `import { defineCommand, runAsProcess } from ${JSON.stringify(join(SRC, 'cli/command.js'))};\n` +
        `await runAsProcess(defineCommand({ name: 'buggy', usage: 'usage: buggy', options: {}, run: () => (undefined as unknown as () => number)() }));\n`,
    );
    await build({
      entryPoints: { main: entry },
      outdir: dir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      sourcemap: true,
      minify: true,
      logLevel: 'silent',
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    });
    const result = await runToEnd(process.execPath, [join(dir, 'main.js')], { env: {} });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^buggy: unexpected error: TypeError: /);
    // The frame of the runner that called run(), in the sources, and none left in the bundle.
    expect(result.stderr).toContain(`${join(SRC, 'cli/command.ts')}:`);
    expect(result.stderr).toMatch(/src\/cli\/command\.ts:\d+:\d+\)/);
    expect(result.stderr).not.toContain('main.js:');
  }, 60_000);
});
