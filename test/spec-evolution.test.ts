/**
 * The spec-evolution drill, on a temporary copy of the project: the API team adds an optional member to
 * OAuthMetadata in openapi.json and runs `npm run generate`; with no other code change, a METADATA_FILE using the
 * member is accepted and the member is served. Before the change, the same file stops the boot.
 *
 * The drill (two boots from source, two generator runs and a type-check of the copy) runs once, before the tests,
 * with a ceiling sized for a loaded 2-core machine; the tests assert on what each step produced.
 */
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from './support/http.js';
import { keysDirWith, rsaKey, tempDir } from './support/keys.js';
import { undefinedMetadataUrlMember } from './support/openapi.js';
import { spawnLogged } from './support/process.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
/** A member openapi.json does not define today. */
const MEMBER = undefinedMetadataUrlMember();
const ISSUER = 'https://auth.example.com';
/**
 * A ceiling for the whole drill, not an expectation: it took 30-60 s with two CPU-bound processes beside the
 * suite on a 2-core machine, more than vitest's per-test timeout, hence one beforeAll with its own ceiling.
 */
const DRILL_CEILING_MS = 300_000;

/** What a boot of the copy's server from source gave: the served metadata, or the boot failure's stderr. */
type Boot = { metadata: Record<string, unknown> } | { error: string };

const temps: string[] = [];
let copy: string;
let env: Record<string, string>;
const drill: {
  before?: Boot;
  staleCheck?: string;
  generated?: string;
  typecheck?: string;
  after?: Boot;
} = {};

/** Starts the copy's server from source and returns the served metadata, or the boot error. */
async function serveFromCopy(): Promise<Boot> {
  const server = spawnLogged(process.execPath, ['--import', 'tsx', join(copy, 'src/main.ts')], { cwd: copy, env });
  try {
    const line = await server.listening;
    const response = await get(`http://127.0.0.1:${String(line.port)}/.well-known/oauth-authorization-server`);
    return { metadata: JSON.parse(response.body) as Record<string, unknown> };
  } catch {
    await server.exited;
    return { error: server.stderr() };
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await server.exited;
  }
}

/** Runs `node <args>` in the copy; resolves with its output, or with the error's message when it fails. */
async function runInCopy(args: readonly string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: copy });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${message}\n${stdout}${stderr}` };
  }
}

beforeAll(async () => {
  copy = tempDir('wk-drill-');
  temps.push(copy);
  for (const entry of ['package.json', 'tsconfig.json', 'openapi.json', 'src', 'generated', 'scripts']) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const metadataFile = join(copy, 'metadata.json');
  writeFileSync(metadataFile, JSON.stringify({ [MEMBER]: `${ISSUER}/oauth/register` }));
  const keysDir = keysDirWith({ drill: rsaKey() });
  temps.push(keysDir);
  env = {
    PORT: '0',
    ADMIN_PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ISSUER,
    KEYS_DIR: keysDir,
    METADATA_FILE: metadataFile,
  };

  drill.before = await serveFromCopy();

  const specFile = join(copy, 'openapi.json');
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as {
    components: { schemas: { OAuthMetadata: { properties: Record<string, unknown> } } };
  };
  spec.components.schemas.OAuthMetadata.properties[MEMBER] = { type: 'string', description: 'an RFC 8414 endpoint' };
  writeFileSync(specFile, JSON.stringify(spec, null, 2));

  const check = await runInCopy(['--import', 'tsx', 'scripts/generate.ts', '--check']);
  drill.staleCheck = check.ok ? 'passed' : check.output;
  const generate = await runInCopy(['--import', 'tsx', 'scripts/generate.ts']);
  if (!generate.ok) throw new Error(`npm run generate failed in the copy: ${generate.output}`);
  drill.generated = readFileSync(join(copy, 'generated/openapi.ts'), 'utf8');
  const typecheck = await runInCopy([join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', copy]);
  drill.typecheck = typecheck.ok ? 'passed' : typecheck.output;

  drill.after = await serveFromCopy();
}, DRILL_CEILING_MS);

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('adding an optional metadata member to openapi.json', () => {
  it('refuses the member before the contract defines it: the boot stops, naming it', () => {
    expect(drill.before).toMatchObject({ error: expect.stringContaining(`${MEMBER}: is not allowed by openapi.json`) });
  });

  it('generate --check reports generated/ stale once openapi.json changes', () => {
    expect(drill.staleCheck).toMatch(/stale/);
  });

  it('generate writes the member into generated/, and the project still type-checks with no code change', () => {
    expect(drill.generated).toContain(`${MEMBER}?: string`);
    expect(drill.typecheck).toBe('passed');
  });

  it('accepts and serves it after openapi.json and generated/ change', () => {
    expect(drill.after).toEqual({ metadata: expect.objectContaining({ [MEMBER]: `${ISSUER}/oauth/register` }) });
  });
});
