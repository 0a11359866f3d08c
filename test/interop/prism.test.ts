/**
 * Stoplight Prism, a validating proxy, between a client and the real server: `prism proxy --errors openapi.json
 * <server>` checks every answer it forwards against openapi.json and turns one that breaks it into its own 500 with
 * an `sl-violations` header. Every document's GET, the conditional GET (304) and the error the server answers when
 * it has nothing valid to serve (the JWKS without keys: 500) go through it untouched. HEAD aside: Prism answers it
 * itself; and Prism answers requests it finds invalid itself (a body on a GET, an undeclared method), so the other
 * errors never reach the server through it (`test/http/declared-answers.test.ts` covers them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { eventually } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { openapi } from '../support/openapi.js';
import { startTestService } from '../support/service.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const PRISM = join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js');
/** RFC 7517's document, the one whose data can vanish while the service runs (no key left). */
const JWKS = '/.well-known/jwks.json';

let service: RunningService;
let keysDir: string;
let prism: ChildProcess;
let proxy = '';

/** A free loopback port (Prism takes no port 0). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** The GET operations of openapi.json that take no parameters: what a client can send through Prism as is. */
const gets = Object.entries(openapi.paths)
  .filter(([, item]) => (item.get as { parameters?: unknown[] } | undefined)?.parameters === undefined && item.get !== undefined)
  .map(([path]) => path);

beforeAll(async () => {
  keysDir = keysDirWith({ prism: rsaKey() });
  service = await startTestService({ KEYS_DIR: keysDir });
  const port = await freePort();
  prism = spawn(
    process.execPath,
    [PRISM, 'proxy', '--errors', '-h', '127.0.0.1', '-p', String(port), join(ROOT, 'openapi.json'), service.url],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    prism.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) resolve();
    });
    prism.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    prism.once('exit', (code) => reject(new Error(`prism exited with ${code}: ${output}`)));
  });
  proxy = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  if (prism !== undefined && prism.exitCode === null) {
    prism.kill('SIGTERM');
    await once(prism, 'exit');
  }
  await service?.shutdown();
  rmSync(keysDir, { recursive: true, force: true });
});

/** An answer through Prism, with the violations it reports (none: `null`). */
async function throughPrism(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(proxy + path, { headers });
  return {
    status: response.status,
    violations: response.headers.get('sl-violations'),
    body: await response.text(),
    etag: response.headers.get('etag'),
  };
}

describe('prism proxy --errors openapi.json, in front of the server', () => {
  it.each(gets)('forwards GET %s, 200, with no violation', async (path) => {
    const answer = await throughPrism(path);
    expect(answer).toMatchObject({ status: 200, violations: null });
    expect(answer.body).toBe(await (await fetch(service.url + path)).text());
  });

  it.each(gets)('forwards the conditional GET of %s, 304, with no violation', async (path) => {
    const { etag } = await throughPrism(path);
    expect(etag).not.toBeNull();
    expect(await throughPrism(path, { 'if-none-match': etag ?? '' })).toMatchObject({ status: 304, violations: null, body: '' });
  });

  it(`forwards the 500 of ${JWKS} without keys, with no violation`, async () => {
    rmSync(join(keysDir, 'prism.pem'));
    expect(await eventually(async () => (await fetch(service.url + JWKS)).status === 500)).toBe(true);
    const answer = await throughPrism(JWKS);
    expect(answer).toMatchObject({ status: 500, violations: null });
    expect(JSON.parse(answer.body)).toMatchObject({ message: 'Failed to load keys' });
  });
});
