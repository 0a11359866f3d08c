import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/keys/cli.js';
import { scanKeysDir } from '../../src/keys/key-dir.js';
import { KeyStore } from '../../src/keys/key-store.js';
import { silentLogger } from '../../src/observability/logger.js';
import { pkcs8, rsaKey, TempDirs, type TestKey } from './helpers.js';

/** The development keys directory the service uses without KEYS_DIR: `.dev-keys` in the project (README). */
const DEV_KEYS_DIR = fileURLToPath(new URL('../../.dev-keys', import.meta.url));

const temp = new TempDirs();
let a: TestKey;
let small: TestKey;

beforeAll(() => {
  [a, small] = [rsaKey(), rsaKey(1024)];
});
afterAll(() => temp.cleanup());

interface Outcome {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, env, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('keys generate', () => {
  it('writes a PKCS#8 PEM named after the kid (mode 0600) into KEYS_DIR and prints the kid', async () => {
    const dir = temp.make();
    const result = await cli(['generate', '--kid', 'archera-oauth-2026-07'], { KEYS_DIR: dir });
    expect(result).toMatchObject({ code: 0, out: 'archera-oauth-2026-07' });
    const file = join(dir, 'archera-oauth-2026-07.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('without --kid makes one; --dir wins over KEYS_DIR', async () => {
    const dir = temp.make();
    const result = await cli(['generate', '--dir', dir], { KEYS_DIR: join(dir, 'elsewhere') });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^key-\d{8}-[0-9a-f]{8}$/);
    expect(statSync(join(dir, `${result.out}.pem`)).isFile()).toBe(true);
  });

  it('with --alg and --bits writes a private JWK recording kid and alg, which the store publishes as such', async () => {
    const dir = temp.make();
    expect((await cli(['generate', '--dir', dir, '--kid', 'ps', '--alg', 'PS384', '--bits', '3072'])).code).toBe(0);
    const jwk = JSON.parse(readFileSync(join(dir, 'ps.json'), 'utf8')) as Record<string, unknown>;
    expect(jwk).toMatchObject({ kty: 'RSA', use: 'sig', kid: 'ps', alg: 'PS384' });
    expect(statSync(join(dir, 'ps.json')).mode & 0o777).toBe(0o600);
    const store = await KeyStore.open({ dir, defaultAlg: 'RS256', rescanIntervalMs: 60_000, logger: silentLogger() });
    try {
      expect(store.files).toEqual([
        { file: 'ps.json', index: undefined, kid: 'ps', alg: 'PS384', bits: 3072, status: 'published', reason: undefined },
      ]);
    } finally {
      store.close();
    }
  });

  it.each([
    [['generate', '--bits', '1024'], /bits 1024 is not a whole number from 2048/],
    [['generate', '--bits', 'big'], /--bits: "big" is not a positive whole number/],
    [['generate', '--alg', 'HS256'], /unsupported alg "HS256"/],
    [['generate', '--kid', '../escape'], /kid "..\/escape" is not/],
    [['generate', '--kid', '.hidden'], /kid ".hidden" is not/],
    [['generate', '--colour'], /unknown option '--colour'/],
    [['generate', '--kid'], /Option '--kid <value>' argument missing/],
    [['list', '--kid', 'x'], /list does not take --kid/],
    [['list', 'extra'], /unexpected argument "extra"/],
    [['rotate'], /unknown command "rotate"/],
    [[], /no command given/],
  ])('usage error %j: exit 2 with the reason and the usage', async (argv, reason) => {
    const result = await cli(argv, { KEYS_DIR: temp.make() });
    expect(result.code).toBe(2);
    const [first, ...rest] = result.err.split('\n');
    expect(first).toMatch(new RegExp(`^keys: .*${reason.source}`));
    expect(rest[0]).toBe('usage: npm run keys -- <command> [options]');
  });

  it('without --dir or KEYS_DIR, reads the directory the service would use (<project>/.dev-keys)', async () => {
    const result = await cli(['list']);
    // The directory may not exist in a fresh checkout: either way the output names it.
    expect(`${result.out}\n${result.err}`).toContain(DEV_KEYS_DIR);
    if (result.code === 0) expect(result.out.split('\n')[0]).toBe(`keys in ${DEV_KEYS_DIR}:`);
  });

  it('exit 2 on an invalid KEYS_DEFAULT_ALG', async () => {
    const result = await cli(['list'], { KEYS_DIR: temp.make(), KEYS_DEFAULT_ALG: 'none' });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^keys: invalid configuration:\n {2}- KEYS_DEFAULT_ALG: /);
    expect(result.err).not.toContain('usage:');
  });

  it('refuses an existing kid, even from a file of another name, and an existing file', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ ...a.publicKey.export({ format: 'jwk' }), kid: 'taken' }));
    const taken = await cli(['generate', '--dir', dir, '--kid', 'taken']);
    expect(taken.code).toBe(1);
    expect(taken.err).toMatch(/other\.json: kid "taken" is already used/);
    const exists = await cli(['generate', '--dir', dir, '--kid', 'other', '--alg', 'RS256']);
    expect(exists.code).toBe(1);
    expect(exists.err).toMatch(/other\.json/);
  });

  it.each([[['--help']], [['-h']], [['generate', '--help']], [['rotate', '--colour', '-h']]])(
    '%j prints the usage on stdout and exits 0',
    async (argv) => {
      const result = await cli(argv);
      expect(result).toMatchObject({ code: 0, err: '' });
      expect(result.out).toContain('generate [--kid K] [--alg A] [--bits N]');
    },
  );
});

describe('keys list and check', () => {
  it('list shows kid, alg, bits and status or reason per file, exit 0 despite refusals', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'good.pem'), pkcs8(a));
    writeFileSync(join(dir, 'small.pem'), pkcs8(small));
    const result = await cli(['list'], { KEYS_DIR: dir, KEYS_DEFAULT_ALG: 'PS256' });
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[1]).toMatch(/^FILE\s+KID\s+ALG\s+BITS\s+STATUS\s+REASON$/);
    expect(lines[2]).toMatch(/^good\.pem\s+good\s+PS256\s+2048\s+published$/);
    expect(lines[3]).toMatch(/^small\.pem\s+small\s+PS256\s+1024\s+refused\s+n: is a 1024-bit modulus/);
    expect(lines.at(-1)).toBe('1 published, 1 refused');
  });

  it('check exits 1 when a key is refused, 0 when all are published, 1 when none is', async () => {
    const dir = temp.make();
    expect((await cli(['check', '--dir', dir])).code).toBe(1);
    writeFileSync(join(dir, 'good.pem'), pkcs8(a));
    expect(await cli(['check', '--dir', dir])).toMatchObject({ code: 0, out: expect.stringContaining('1 published, 0 refused') });
    writeFileSync(join(dir, 'bad.json'), '{"kty":"oct","k":"c2VjcmV0"}');
    const refused = await cli(['check', '--dir', dir]);
    expect(refused.code).toBe(1);
    // No RS256 for a key that is not RSA: it would never get the default alg.
    expect(refused.out).toMatch(/bad\.json\s+bad\s+-\s+-\s+refused\s+kty: is "oct"/);
  });

  it('check lists the files ignored for their names, which do not fail it', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'good.pem'), pkcs8(a));
    writeFileSync(join(dir, 'good.pem~'), pkcs8(small));
    writeFileSync(join(dir, 'retired.pem.revoked'), pkcs8(small));
    const result = await cli(['check', '--dir', dir]);
    expect(result.code).toBe(0);
    expect(result.out.split('\n').slice(2)).toEqual([
      expect.stringMatching(/^good\.pem\s+good\s+RS256\s+2048\s+published$/),
      expect.stringMatching(/^good\.pem~\s+-\s+-\s+-\s+ignored\s+not a key file name \(a backup: ends with "~"\)$/),
      expect.stringMatching(/^retired\.pem\.revoked\s+-\s+-\s+-\s+ignored\s+not a key file name \(extension "\.revoked"\)$/),
      '1 published, 0 refused, 2 ignored',
    ]);
  });

  it('exit 1 naming the directory when it cannot be read', async () => {
    const dir = join(temp.make(), 'missing');
    const result = await cli(['check', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(dir);
  });
});

describe('keys export-public', () => {
  it('prints the public JWK of a key, exactly as published, with no private member', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'k.pem'), pkcs8(a));
    const result = await cli(['export-public', '--dir', dir, '--kid', 'k']);
    expect(result.code).toBe(0);
    const jwk = JSON.parse(result.out) as Record<string, unknown>;
    expect(jwk).toEqual({ kty: 'RSA', use: 'sig', kid: 'k', alg: 'RS256', n: a.publicKey.export({ format: 'jwk' }).n, e: 'AQAB' });
  });

  it('writes a JWKS of every published key to --out, which a keys directory then publishes identically', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'k.pem'), pkcs8(a));
    await cli(['generate', '--dir', dir, '--kid', 'ps', '--alg', 'PS384']);
    const publicDir = temp.make();
    const out = join(publicDir, 'keys.json');
    const result = await cli(['export-public', '--dir', dir, '--out', out]);
    expect(result.code).toBe(0);
    expect(result.err).toBe(`wrote ${out}: public JWK of k (RS256), ps (PS384)`);
    expect(readFileSync(out, 'utf8')).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
    const [source, exported] = await Promise.all([scanKeysDir(dir, 'RS256'), scanKeysDir(publicDir, 'RS256')]);
    expect(exported.jwks).toEqual(source.jwks);
  });

  it('--format pem writes an SPKI PEM the service publishes under the file name, and notes an alg it cannot carry', async () => {
    const dir = temp.make();
    await cli(['generate', '--dir', dir, '--kid', 'ps', '--alg', 'PS256']);
    const result = await cli(['export-public', '--dir', dir, '--kid', 'ps', '--format', 'pem']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----$/);
    expect(result.err).toMatch(/KEYS_DEFAULT_ALG \(RS256\), not PS256: use --format jwk/);
    expect(result.err).toMatch(/name it ps\.pem in KEYS_DIR/);
    const publicDir = temp.make();
    writeFileSync(join(publicDir, 'ps.pem'), `${result.out}\n`);
    const set = await scanKeysDir(publicDir, 'PS256');
    expect(set.jwks.keys.map((key) => [key.kid, key.alg])).toEqual([['ps', 'PS256']]);
  });

  it.each([
    [['--kid', 'nope'], /no key with kid "nope" \(published: k\)/],
    [['--kid', 'small'], /kid "small" is refused: n: is a 1024-bit modulus/],
  ])('exit 1 for %j', async (extra, reason) => {
    const dir = temp.make();
    writeFileSync(join(dir, 'k.pem'), pkcs8(a));
    writeFileSync(join(dir, 'small.pem'), pkcs8(small));
    const result = await cli(['export-public', '--dir', dir, ...extra]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(reason);
  });

  it('exit 1 for a PEM of several keys, and for an --out that exists (never replaced)', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'k.pem'), pkcs8(a));
    writeFileSync(join(dir, 'other.pem'), pkcs8(small));
    await cli(['generate', '--dir', dir, '--kid', 'two']);
    expect((await cli(['export-public', '--dir', dir, '--format', 'pem'])).err).toMatch(
      /a PEM holds one key; pass --kid \(published: k, two\)/,
    );
    const out = join(temp.make(), 'exists.json');
    writeFileSync(out, 'keep me');
    const result = await cli(['export-public', '--dir', dir, '--kid', 'k', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/already exists/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('usage errors: an unknown format, --out on list', async () => {
    expect((await cli(['export-public', '--format', 'der'], { KEYS_DIR: temp.make() })).code).toBe(2);
    expect((await cli(['list', '--out', 'x'], { KEYS_DIR: temp.make() })).err).toMatch(/list does not take --out/);
  });
});

describe('keys list: what the service refuses unread', () => {
  it('shows a FIFO named like a key, and a link out of the directory, with their reasons', async () => {
    const dir = temp.make();
    execFileSync('mkfifo', [join(dir, 'pipe.pem')]);
    symlinkSync('/etc/hostname', join(dir, 'host.pem'));
    const result = await cli(['list', '--dir', dir]);
    expect(result.out).toMatch(/^pipe\.pem\s+-\s+-\s+-\s+refused\s+is a FIFO \(named pipe\), not a regular file$/m);
    expect(result.out).toMatch(/^host\.pem\s+-\s+-\s+-\s+refused\s+is a symbolic link to \/etc\/hostname, outside the keys directory/m);
  });
});

describe('keys CLI as a process', () => {
  it('npm run keys -- check: runs under tsx with real exit codes', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'small.pem'), pkcs8(small));
    const run = promisify(execFile);
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const failure = await run(tsx, ['src/keys/cli.ts', 'check', '--dir', dir]).then(
      () => undefined,
      (error: unknown) => error as { code?: number; stdout?: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toMatch(/small\.pem\s+small\s+RS256\s+1024\s+refused/);
    const generated = await run(tsx, ['src/keys/cli.ts', 'generate', '--dir', dir, '--kid', 'spawned']);
    expect(generated.stdout).toBe('spawned\n');
  });
});
