/**
 * The production entry as operators run it: `node dist/main.js`, with its environment, flags and exit codes.
 */
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HandlerMissingError } from '../src/errors.js';
import { get } from './support/http.js';
import { keysDirWith, rsaKey, tempDir } from './support/keys.js';
import { compiledContract } from './support/contract.js';
import { undefinedMetadataUrlMember } from './support/openapi.js';
import { MAIN, runIntoClosedPipe, runToEnd, spawnLogged, spawnServer, type FinishedProcess } from './support/process.js';
import { startTestService } from './support/service.js';
import { writeSpec } from './support/spec-copy.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs the entry (default `dist/main.js`) to completion; resolves with its exit code and output. */
function runMain(args: string[], env: Record<string, string>, entry = MAIN): Promise<FinishedProcess> {
  return runToEnd(process.execPath, [entry, ...args], { env });
}

const keysDir = keysDirWith({ main: rsaKey() });

describe('node dist/main.js', () => {
  it('serves both documents with the embedded defaults, generating its development key beside the build', async () => {
    // A copy of the build, so that the development key goes there and not into the project's own .dev-keys.
    const app = appCopy();
    const server = spawnLogged(process.execPath, [join(app, 'dist/main.js')], { env: { PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1' } });
    try {
      const url = `http://127.0.0.1:${String((await server.listening).port)}`;
      const [jwks, metadata] = await Promise.all([
        get(`${url}/.well-known/jwks.json`),
        get(`${url}/.well-known/oauth-authorization-server`),
      ]);
      expect(jwks.status).toBe(200);
      expect(JSON.parse(jwks.body).keys).toHaveLength(1);
      expect(metadata.status).toBe(200);
      expect(JSON.parse(metadata.body).issuer).toBe(`http://localhost:${new URL(url).port}`);
      expect(readdirSync(join(app, '.dev-keys'))).toHaveLength(1);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('stops the boot listing every invalid or unknown setting by name', async () => {
    const result = await runMain([], {
      PORT: 'abc',
      CACHE_MAX_AGE: '-1',
      KEYS_DIRECTORY: '/keys',
      KEYS_DEFAULT_ALG: 'HS256',
      MAX_CONNECTIONS: '0',
    });
    expect(result.code).toBe(1);
    for (const name of ['PORT', 'CACHE_MAX_AGE', 'KEYS_DIRECTORY', 'KEYS_DEFAULT_ALG', 'MAX_CONNECTIONS'])
      expect(result.stderr).toContain(`${name}:`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('binds the admin listener to 127.0.0.1 by default, whatever HOST is', async () => {
    // 127.0.0.2 is loopback too on Linux, but not the address the admin listener binds.
    const server = spawnLogged(process.execPath, [MAIN], { env: { PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.2', KEYS_DIR: keysDir } });
    try {
      const line = await server.listening;
      expect(line).toMatchObject({ host: '127.0.0.2', adminHost: '127.0.0.1' });
      expect((await get(`http://127.0.0.1:${String(line.adminPort)}/healthz`)).status).toBe(200);
      await expect(get(`http://127.0.0.2:${String(line.adminPort)}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect((await get(`http://127.0.0.2:${String(line.port)}/.well-known/jwks.json`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('with no usable key, says so in one log line without a stack, and answers the JWKS 500 without logging one', async () => {
    const server = await spawnServer({ KEYS_DIR: tempDir('wk-keys-') });
    try {
      // Before any request: one line above info, naming what is wrong.
      expect(server.lines.filter((line) => line.level !== 'info')).toEqual([
        expect.objectContaining({ level: 'error', msg: expect.stringMatching(/^no valid key in the keys directory/) }),
      ]);
      for (let i = 0; i < 2; i += 1) expect((await get(`${server.url}/.well-known/jwks.json`)).status).toBe(500);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    expect(server.lines.map((line) => JSON.stringify(line)).filter((line) => line.includes('stack'))).toEqual([]);
    expect(server.stderr()).toBe('');
  });

  it('refuses a missing explicit KEYS_DIR and never creates a key there', async () => {
    const missing = join(tempDir(), 'absent');
    const result = await runMain([], { KEYS_DIR: missing, PORT: '0', ADMIN_PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('KEYS_DIR');
    expect(existsSync(missing)).toBe(false);
  });

  it('reports configuration and metadata problems together, before listening', async () => {
    const file = join(tempDir(), 'metadata.json');
    const member = undefinedMetadataUrlMember();
    writeFileSync(file, JSON.stringify({ [member]: 'https://auth.example.com/register' }));
    const result = await runMain([], {
      KEYS_DIR: keysDir,
      ISSUER: 'https://auth.example.com/tenant',
      METADATA_FILE: file,
      PORT: '0',
      ADMIN_PORT: '0',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ISSUER: .*path/);
    expect(result.stderr).toContain(`METADATA_FILE: ${member}: is not allowed by openapi.json`);
    expect(result.stdout).not.toContain('listening');
  });

  it('--check prints the metadata and the keys and exits 0 when all is valid', async () => {
    const result = await runMain(['--check'], { KEYS_DIR: keysDir, ISSUER: 'https://auth.example.com' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"issuer": "https://auth.example.com"');
    expect(result.stdout).toMatch(/main\.pem\s+main\s+RS256\s+2048\s+published/);
  });

  it('--check into a pipe whose reader is gone (| head -1) keeps its exit code and prints no stack', async () => {
    expect(await runIntoClosedPipe(process.execPath, [MAIN, '--check'], { env: { KEYS_DIR: keysDir } })).toEqual({ code: 0, stderr: '' });
  });

  it('--check exits 1 naming a refused key file', async () => {
    const dir = keysDirWith({ good: rsaKey() });
    writeFileSync(join(dir, 'weak.pem'), rsaKey(1024).pem);
    const result = await runMain(['--check'], { KEYS_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/weak\.pem\s+weak\s+RS256\s+1024\s+refused\s+\S/);
    expect(readdirSync(dir).sort()).toEqual(['good.pem', 'weak.pem']);
  });

  it.each([
    [
      'PORT',
      (port: number) => ({ PORT: String(port), ADMIN_PORT: '0' }),
      (port: number) => new RegExp(`^PORT: ${port} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)\n$`),
    ],
    [
      'ADMIN_PORT',
      (port: number) => ({ PORT: '0', ADMIN_PORT: String(port) }),
      (port: number) => new RegExp(`^ADMIN_PORT: ${port} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)\n$`),
    ],
    // ENOTFOUND where a name server answers, EAI_AGAIN where none does.
    ['HOST', () => ({ PORT: '0', ADMIN_PORT: '0', HOST: '999.1.1.1' }), () => /^HOST: "999\.1\.1\.1" .* \((ENOTFOUND|EAI_AGAIN)\)\n$/],
    [
      'ADMIN_HOST',
      () => ({ PORT: '0', ADMIN_PORT: '0', ADMIN_HOST: '192.0.2.1' }),
      () => /^ADMIN_HOST: "192\.0\.2\.1" is not an address of this machine \(EADDRNOTAVAIL\)\n$/,
    ],
  ])('a listener that cannot bind stops the boot with one line naming %s and its value, exit 1', async (_setting, env, line) => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const result = await runMain([], { KEYS_DIR: keysDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(line(port));
      expect(result.stdout).not.toContain('listening');
    } finally {
      holder.close();
    }
  });

  it('rejects an unknown argument with one line naming it, the usage, and exit code 2, without starting', async () => {
    const result = await runMain(['--chek'], { KEYS_DIR: keysDir, PORT: '0', ADMIN_PORT: '0' });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^unknown option '--chek'\nusage: node dist\/main\.js \[--check\] \[--help\]\n/);
  });

  it('--help prints the usage on stdout and exits 0, without reading the configuration', async () => {
    const result = await runMain(['--help'], { PORT: 'abc' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^usage: node dist\/main\.js \[--check\] \[--help\]\n[^]*--check /);
  });

  it('--help lists every operation of the openapi.json it was built from, one `METHOD path` line each', async () => {
    const { paths } = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThan(0);
    const { stdout } = await runMain(['--help'], {});
    const listed = stdout.split('\n').flatMap((line) => /^\s+([A-Z]+ \/\S*)$/.exec(line)?.[1] ?? []);
    expect(listed.sort()).toEqual(operations.sort());
  });
});

/** A copy of what the production build runs from: dist/, package.json (the start script) and openapi.json. */
function appCopy(): string {
  const app = tempDir('wk-app-');
  cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
  for (const file of ['package.json', 'openapi.json']) cpSync(join(ROOT, file), join(app, file));
  return app;
}

/** Whether any process of process group `group` is still running. */
function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

/** A ceiling for a loaded machine, far above the drain of an idle server; not an expectation. */
const SIGNAL_CEILING_MS = 20_000;

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops the server when npm itself gets %s, as a supervisor or `kill <pid of npm>` sends it',
    async (signal) => {
      // Its own process group, so that whatever npm leaves behind can be found, and removed, by the group.
      const npm = spawnLogged('npm', ['start', '--ignore-scripts'], {
        cwd: appCopy(),
        env: { HOME: process.env.HOME ?? ROOT, KEYS_DIR: keysDir, HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0' },
        detached: true,
      });
      const group = npm.child.pid!;
      onTestFinished(() => {
        if (groupAlive(group)) process.kill(-group, 'SIGKILL');
      });
      await npm.listening;
      npm.child.kill(signal);
      // npm passes the signal to the process it started and exits once that one has: the server, drained.
      const exited = await Promise.race([npm.exited, delay(SIGNAL_CEILING_MS).then(() => 'npm still running')]);
      expect(exited).toBe(0);
      expect(npm.lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['signal received', 'shut down']));
      expect(groupAlive(group)).toBe(false);
    },
  );
});

describe('the compiled contract in the production build', () => {
  it('refuses to start next to an openapi.json other than the one it was built from, in one line saying to rebuild', async () => {
    const app = appCopy();
    const spec = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as { info: { description?: string } };
    spec.info.description = `${spec.info.description ?? ''} (edited after the build)`;
    writeFileSync(join(app, 'openapi.json'), JSON.stringify(spec));
    const result = await runMain([], { KEYS_DIR: keysDir, HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0' }, join(app, 'dist/main.js'));
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/openapi\.json is not the document the contract was compiled from .*: run `npm run build`$/),
    ]);
  });
});

describe('boot refusal', () => {
  it('refuses to start when openapi.json has an operation with no handler, naming it and where handlers go', async () => {
    // A path no real operation will take, so that this stays an operation without a handler.
    const contract = await compiledContract(
      writeSpec((doc) => {
        doc.paths['/.well-known/__no-handler__'] = structuredClone(doc.paths['/.well-known/oauth-authorization-server']);
      }),
    );
    const start = startTestService({ KEYS_DIR: keysDir }, { contract });
    await expect(start).rejects.toBeInstanceOf(HandlerMissingError);
    await expect(start).rejects.toThrow(
      'openapi.json defines operations with no handler: getWellKnownNoHandler (GET /.well-known/__no-handler__); ' +
        'register their handlers in src/documents/handlers.ts',
    );
  });
});
