/**
 * `npm run build` and `npm run generate` on a temporary copy of the project whose openapi.json the toolchain
 * cannot honour: generate exits 1 with one line naming the JSON pointer, and the build that runs it leaves the
 * previous dist/ (and dist/docs/) as it was.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/keys.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const POINTER = 'openapi.json#/components/schemas/JWK/properties/n/format';

/** Runs `node --import tsx <script>` in `cwd`; resolves with its exit code and output. */
async function tsx(cwd: string, script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('an openapi.json with an unknown format', () => {
  const copy = tempDir('wk-build-');
  for (const entry of ['package.json', 'tsconfig.json', 'src', 'generated', 'scripts'])
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const spec = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as {
    components: { schemas: { JWK: { properties: { n: Record<string, unknown> } } } };
  };
  spec.components.schemas.JWK.properties.n.format = 'urlx';
  writeFileSync(join(copy, 'openapi.json'), JSON.stringify(spec, null, 2));
  mkdirSync(join(copy, 'dist/docs'), { recursive: true });
  writeFileSync(join(copy, 'dist/main.js'), '// the previous build\n');
  writeFileSync(join(copy, 'dist/docs/index.html'), '<!-- the previous docs -->\n');

  it('fails npm run generate with one line naming its JSON pointer, and writes nothing', async () => {
    const before = readFileSync(join(copy, 'generated/contract.js'), 'utf8');
    const result = await tsx(copy, 'scripts/generate.ts');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${POINTER.replaceAll('/', '\\/')}: unknown format "urlx"`)),
    ]);
    expect(readFileSync(join(copy, 'generated/contract.js'), 'utf8')).toBe(before);
  });

  it('fails npm run build and leaves the previous dist/ in place', async () => {
    const result = await tsx(copy, 'scripts/build.ts');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${POINTER}: unknown format "urlx"`);
    expect(readFileSync(join(copy, 'dist/main.js'), 'utf8')).toBe('// the previous build\n');
    expect(readFileSync(join(copy, 'dist/docs/index.html'), 'utf8')).toBe('<!-- the previous docs -->\n');
  });
});
