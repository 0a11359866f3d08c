/**
 * The spec-evolution drill, on a temporary copy of the project: the API team adds an optional member to
 * OAuthMetadata in openapi.json and runs `npm run generate`; with no other code change, a METADATA_FILE using the
 * member is accepted and the member is served. Before the change, the same file stops the boot.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { get } from './support/http.js';
import { keysDirWith, rsaKey, tempDir } from './support/keys.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const MEMBER = 'registration_endpoint';
const ISSUER = 'https://auth.example.com';
let copy: string;
let env: Record<string, string>;

/** Starts the copy's server from source and returns the served metadata, or the boot error. */
async function serveFromCopy(): Promise<{ metadata?: Record<string, unknown>; error?: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(copy, 'src/main.ts')], { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.stdout.on('data', async (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"port":(\d+),"adminPort"/.exec(stdout);
      if (match === null) return;
      child.stdout.removeAllListeners('data');
      const response = await get(`http://127.0.0.1:${match[1]}/.well-known/oauth-authorization-server`);
      child.kill('SIGTERM');
      resolve({ metadata: JSON.parse(response.body) as Record<string, unknown> });
    });
    child.on('exit', () => resolve({ error: stderr }));
  });
}

beforeAll(() => {
  copy = tempDir('wk-drill-');
  for (const entry of ['package.json', 'tsconfig.json', 'openapi.json', 'src', 'generated', 'scripts']) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const metadataFile = join(copy, 'metadata.json');
  writeFileSync(metadataFile, JSON.stringify({ [MEMBER]: `${ISSUER}/oauth/register` }));
  env = {
    PATH: process.env.PATH ?? '',
    PORT: '0',
    ADMIN_PORT: '0',
    HOST: '127.0.0.1',
    ISSUER,
    KEYS_DIR: keysDirWith({ drill: rsaKey() }),
    METADATA_FILE: metadataFile,
  };
});

describe('adding an optional metadata member to openapi.json', () => {
  it('refuses the member before the contract defines it', async () => {
    const result = await serveFromCopy();
    expect(result.error).toContain(`${MEMBER}: is not allowed by openapi.json`);
  });

  it('accepts and serves it after openapi.json and generated/ change, with no other code change', async () => {
    const specFile = join(copy, 'openapi.json');
    const spec = JSON.parse(readFileSync(specFile, 'utf8')) as { components: { schemas: { OAuthMetadata: { properties: Record<string, unknown> } } } };
    spec.components.schemas.OAuthMetadata.properties[MEMBER] = { type: 'string', description: 'RFC 7591 registration endpoint' };
    writeFileSync(specFile, JSON.stringify(spec, null, 2));

    await expect(run(process.execPath, ['--import', 'tsx', 'scripts/generate.ts', '--check'], { cwd: copy })).rejects.toThrow(/stale/);
    await run(process.execPath, ['--import', 'tsx', 'scripts/generate.ts'], { cwd: copy });
    expect(readFileSync(join(copy, 'generated/openapi.ts'), 'utf8')).toContain(`${MEMBER}?: string`);
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', copy], { cwd: copy });

    const result = await serveFromCopy();
    expect(result.error).toBeUndefined();
    expect(result.metadata?.[MEMBER]).toBe(`${ISSUER}/oauth/register`);
  });
});
