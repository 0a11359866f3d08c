import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BoundedRead } from '../../src/bounded-file.js';
import { KeyDirScanner, scanKeysDir, type KeyScan, type ScannerOptions } from '../../src/keys/key-dir.js';
import { ModulusChecks } from '../../src/keys/modulus-checks.js';
import { costlyModuli, rsaNumbers, toBase64url } from '../support/keys.js';
import { pkcs8, publicJwk, rsaKey, spki, TempDirs, waitFor, type TestKey } from './helpers.js';

/** Reads go through the real `readBoundedFile`, counted; a test may make the next ones fail or report a change. */
const reads = vi.hoisted(() => ({ count: 0, override: undefined as (() => Promise<BoundedRead>) | undefined }));
vi.mock('../../src/bounded-file.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/bounded-file.js')>();
  return {
    ...original,
    readBoundedFile: (...args: Parameters<typeof original.readBoundedFile>) => {
      reads.count += 1;
      return reads.override?.() ?? original.readBoundedFile(...args);
    },
  };
});

const temp = new TempDirs();
const servers: Server[] = [];
let a: TestKey;
let b: TestKey;

beforeAll(() => {
  [a, b] = [rsaKey(), rsaKey()];
});
afterEach(() => {
  reads.override = undefined;
  for (const server of servers.splice(0)) server.close();
});
afterAll(() => temp.cleanup());

function dirWith(files: Record<string, string>): string {
  const dir = temp.make();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function scanOf(scanner: KeyDirScanner): Promise<KeyScan> {
  const scan = await scanner.scan();
  if (scan === undefined) throw new Error('scan superseded');
  return scan;
}

const published = (scan: KeyScan): string[] => scan.set.jwks.keys.map((key) => key.kid);
const reasonOf = (scan: KeyScan, file: string): string | undefined => scan.set.reports.find((report) => report.file === file)?.reason;

/** A directory of `files` and a scanner that has scanned it once. */
async function scanned(files: Record<string, string>, options: ScannerOptions = {}): Promise<{ dir: string; scanner: KeyDirScanner }> {
  const dir = dirWith(files);
  const scanner = new KeyDirScanner(dir, 'RS256', options);
  await scanOf(scanner);
  return { dir, scanner };
}

/** Scans until `accept` takes a scan (at most 600 scans). */
async function waitForScan(scanner: KeyDirScanner, accept: (scan: KeyScan) => boolean): Promise<KeyScan> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const scan = await scanOf(scanner);
    if (accept(scan)) return scan;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no scan was accepted');
}

/** Trusts a just-written file's metadata at once (no racy window), as a scanner does once the file is older. */
const EAGER: ScannerOptions = { racyWindowMs: 0 };
const fsError = (code: string): Promise<never> => Promise.reject(Object.assign(new Error(code), { code }));

describe('KeyDirScanner: rescanning only what changed', () => {
  it('reads nothing on a rescan of an unchanged directory, and reports no change', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a), 'b.pem': pkcs8(b), 'notes.txt': 'hello' });
    const scanner = new KeyDirScanner(dir, 'RS256', EAGER);
    const first = await scanOf(scanner);
    expect(published(first)).toEqual(['a', 'b']);
    const before = reads.count;
    const second = await scanOf(scanner);
    expect(reads.count).toBe(before);
    expect(second.changed).toBe(false);
    expect(second.set).toBe(first.set);
  });

  it('re-reads only the file whose size, mtime or ctime changed', async () => {
    const { dir, scanner } = await scanned({ 'a.pem': pkcs8(a), 'b.pem': pkcs8(b) }, EAGER);
    const before = reads.count;
    writeFileSync(join(dir, 'b.pem'), pkcs8(a));
    const scan = await scanOf(scanner);
    expect(reads.count).toBe(before + 1);
    expect(scan.changed).toBe(true);
    expect(scan.set.jwks.keys.find((key) => key.kid === 'b')?.n).toBe(publicJwk(a).n);
  });
});

describe('KeyDirScanner: entries that are not regular files', () => {
  it('refuses a FIFO, a socket and a directory named like a key, each with its reason; ignores other directories', async () => {
    const dir = dirWith({ 'ok.pem': pkcs8(a) });
    execFileSync('mkfifo', [join(dir, 'pipe.pem')]);
    mkdirSync(join(dir, 'dir.pem'));
    mkdirSync(join(dir, 'archive'));
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve));
    const scan = await scanOf(new KeyDirScanner(dir, 'RS256'));
    expect(published(scan)).toEqual(['ok']);
    expect(scan.set.reports.map((report) => [report.file, report.status, report.reason])).toEqual([
      ['dir.pem', 'refused', 'is a directory, not a regular file'],
      ['ok.pem', 'published', undefined],
      ['pipe.pem', 'refused', 'is a FIFO (named pipe), not a regular file'],
      ['sock', 'refused', 'is a socket, not a regular file'],
    ]);
  });

  it('refuses a file over the size cap without reading it', async () => {
    const dir = dirWith({ 'big.pem': '' });
    truncateSync(join(dir, 'big.pem'), 200 * 1024 * 1024);
    const before = reads.count;
    const scan = await scanOf(new KeyDirScanner(dir, 'RS256'));
    expect(reads.count).toBe(before);
    expect(reasonOf(scan, 'big.pem')).toBe('is larger than 1048576 bytes (209715200)'); // docs/keys.md: at most 1 MiB;
  });
});

describe('KeyDirScanner: symbolic links', () => {
  it('follows links that stay inside the directory (the Kubernetes ..data layout)', async () => {
    const dir = temp.make();
    mkdirSync(join(dir, '..2026_01_01'));
    writeFileSync(join(dir, '..2026_01_01', 'key.pem'), pkcs8(a));
    symlinkSync('..2026_01_01', join(dir, '..data'));
    symlinkSync(join('..data', 'key.pem'), join(dir, 'key.pem'));
    expect(published(await scanOf(new KeyDirScanner(dir, 'RS256')))).toEqual(['key']);
  });

  it('follows a keys directory that is itself a link', async () => {
    const real = dirWith({ 'a.pem': pkcs8(a) });
    const link = join(temp.make(), 'keys');
    symlinkSync(real, link);
    expect(published(await scanOf(new KeyDirScanner(link, 'RS256')))).toEqual(['a']);
  });

  it('refuses a link that resolves outside the directory, naming where it leads, and never reads it', async () => {
    const outside = dirWith({ 'private.pem': pkcs8(b) });
    const dir = temp.make();
    symlinkSync(join(outside, 'private.pem'), join(dir, 'stolen.pem'));
    symlinkSync('/etc/shadow', join(dir, 'shadow'));
    const before = reads.count;
    const scan = await scanOf(new KeyDirScanner(dir, 'RS256'));
    expect(reads.count).toBe(before);
    expect(published(scan)).toEqual([]);
    expect(reasonOf(scan, 'stolen.pem')).toBe(
      `is a symbolic link to ${join(outside, 'private.pem')}, outside the keys directory; mount or copy the key into it instead`,
    );
    expect(reasonOf(scan, 'shadow')).toMatch(/^is a symbolic link to \/etc\/shadow, outside the keys directory/);
  });

  it('skips a dangling link (as during a volume swap) and still publishes the keys beside it', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    symlinkSync(join('..data', 'gone.pem'), join(dir, 'gone.pem'));
    const scan = await scanOf(new KeyDirScanner(dir, 'RS256'));
    expect(published(scan)).toEqual(['a']);
    expect(scan.set.reports.map((report) => [report.file, report.status])).toEqual([['a.pem', 'published']]);
  });

  it('a key file replaced by a dangling link or a link loop is unpublished at the next scan, like a deleted file', async () => {
    const { dir, scanner } = await scanned({ 'dangling.pem': pkcs8(a), 'loop.pem': pkcs8(b) });
    for (const name of ['dangling.pem', 'loop.pem']) rmSync(join(dir, name));
    symlinkSync('missing.pem', join(dir, 'dangling.pem'));
    symlinkSync('loop.pem', join(dir, 'loop.pem'));
    const scan = await scanOf(scanner);
    expect(published(scan)).toEqual([]);
    expect(scan.kept).toEqual([]);
    expect(scan.set.reports.map((report) => [report.file, report.status, report.reason])).toEqual([
      ['loop.pem', 'refused', 'is a symbolic link that does not resolve: a loop of links (ELOOP)'],
    ]);
    // And it stays so.
    expect(published(await scanOf(scanner))).toEqual([]);
  });
});

describe('KeyDirScanner: only key file names are read', () => {
  it('reads names without an extension or with a key extension; ignores, lists and never opens the others', async () => {
    const c = rsaKey();
    const dir = dirWith({
      'k1.pem': pkcs8(a),
      'k1.pem~': pkcs8(b),
      'k1.pem.bak': pkcs8(b),
      'k1.PEM.old': pkcs8(b),
      'k1.pem.orig': pkcs8(b),
      '.k1.pem.swp': pkcs8(b),
      '#k1.pem#': pkcs8(b),
      'compromised.pem.revoked': pkcs8(c),
      'k3.json.disabled': JSON.stringify(publicJwk(c)),
      'notes.txt': 'rotate in July',
      'signing-key': pkcs8(c),
      'k2.KEY': pkcs8(b),
    });
    mkdirSync(join(dir, '..2026_07_01_00_00_00.000000001'));
    symlinkSync('..2026_07_01_00_00_00.000000001', join(dir, '..data'));
    const before = reads.count;
    const scan = await scanOf(new KeyDirScanner(dir, 'RS256'));
    expect(reads.count - before).toBe(3);
    expect(published(scan)).toEqual(['k1', 'k2', 'signing-key']);
    expect(scan.set.ignored).toEqual([
      { file: '#k1.pem#', reason: 'not a key file name (extension ".pem#")' },
      { file: '.k1.pem.swp', reason: 'not a key file name (hidden)' },
      { file: 'compromised.pem.revoked', reason: 'not a key file name (extension ".revoked")' },
      { file: 'k1.PEM.old', reason: 'not a key file name (extension ".old")' },
      { file: 'k1.pem.bak', reason: 'not a key file name (extension ".bak")' },
      { file: 'k1.pem.orig', reason: 'not a key file name (extension ".orig")' },
      { file: 'k1.pem~', reason: 'not a key file name (a backup: ends with "~")' },
      { file: 'k3.json.disabled', reason: 'not a key file name (extension ".disabled")' },
      { file: 'notes.txt', reason: 'not a key file name (extension ".txt")' },
    ]);
  });

  it('a key renamed to *.revoked is unpublished at the next scan; renamed back, published again', async () => {
    const { dir, scanner } = await scanned({ 'compromised.pem': pkcs8(a), 'current.pem': pkcs8(b) }, EAGER);
    renameSync(join(dir, 'compromised.pem'), join(dir, 'compromised.pem.revoked'));
    const revoked = await scanOf(scanner);
    expect(revoked.changed).toBe(true);
    expect(published(revoked)).toEqual(['current']);
    expect(revoked.set.ignored.map((entry) => entry.file)).toEqual(['compromised.pem.revoked']);
    renameSync(join(dir, 'compromised.pem.revoked'), join(dir, 'compromised.pem'));
    expect(published(await scanOf(scanner))).toEqual(['compromised', 'current']);
  });

  it("an editor's backup holding the previous key does not make its kid a duplicate", async () => {
    const set = await scanKeysDir(dirWith({ 'k1.pem': pkcs8(a), 'k1.pem~': pkcs8(b) }), 'RS256');
    expect(set.jwks.keys.map((key) => [key.kid, key.n])).toEqual([['k1', publicJwk(a).n]]);
    expect(set.reports.map((report) => report.status)).toEqual(['published']);
  });
});

describe('KeyDirScanner: costly RSA moduli', () => {
  /** Moduli of about 16384 bits: costly to test, but valid-looking. */
  let costly: bigint[];
  beforeAll(() => {
    costly = costlyModuli(8, 16);
  });
  const jwks = (moduli: readonly bigint[]): string =>
    JSON.stringify({ keys: moduli.map((n, index) => ({ kty: 'RSA', kid: `costly-${index}`, n: toBase64url(n), e: 'AQAB' })) });

  /** A primality test that holds its answer for moduli over 4096 bits until `release()`, counting the calls. */
  function heldPrimeTest(): { checks: ModulusChecks; asked: bigint[]; release(): void } {
    const asked: bigint[] = [];
    const held: Array<() => void> = [];
    let released = false;
    const primeProblem = (n: bigint): Promise<undefined> => {
      asked.push(n);
      if (released || n < 1n << 4096n) return Promise.resolve(undefined);
      return new Promise((resolve) => held.push(() => resolve(undefined)));
    };
    return {
      checks: new ModulusChecks({ primeProblem }),
      asked,
      release: () => {
        released = true;
        for (const resolve of held.splice(0)) resolve();
      },
    };
  }

  it('a file whose checks exceed the budget keeps its previous result; every scan completes; each modulus is checked once', async () => {
    const held = heldPrimeTest();
    const dir = dirWith({ 'a.pem': pkcs8(a), 'costly.json': jwks(costly) });
    const scanner = new KeyDirScanner(dir, 'RS256', { checks: held.checks, checkBudgetMs: 100 });
    // a.pem's check is quick, but its first scan may find it still under way (the first check of a process also
    // builds the product of the small primes).
    await waitForScan(scanner, (scan) => published(scan).includes('a'));
    for (let scan = 0; scan < 3; scan += 1) {
      const result = await scanOf(scanner);
      expect(published(result)).toEqual(['a']);
      expect(result.kept).toEqual([
        { file: 'costly.json', reason: 'the RSA modulus checks of 8 keys did not finish within 100 ms; they go on' },
      ]);
      expect(reasonOf(result, 'costly.json')).toBe('the RSA modulus checks of 8 keys did not finish within 100 ms; they go on; retrying');
    }
    // One large modulus at a time: the first is being tested, the others wait their turn; none was tested twice.
    expect(held.asked.filter((n) => costly.includes(n))).toEqual([costly[0]]);
    held.release();
    await waitForScan(scanner, (scan) => published(scan).length === 9);
    expect(held.asked.filter((n) => costly.includes(n)).sort()).toEqual([...costly].sort());
  });

  it('a new key next to a costly file is published within two scans, its check never queued behind the costly ones', async () => {
    const held = heldPrimeTest();
    const { dir, scanner } = await scanned({ 'costly.json': jwks(costly) }, { checks: held.checks, checkBudgetMs: 100 });
    writeFileSync(join(dir, 'b.pem'), pkcs8(b));
    const first = await scanOf(scanner);
    if (!published(first).includes('b')) {
      // Its check was not done within the budget: it goes on, and is cached once answered.
      await waitFor(() => held.asked.includes(rsaNumbers(b).n), "b's check");
      await setImmediate();
      expect(published(await scanOf(scanner))).toEqual(['b']);
    }
    held.release();
  });
});

describe('KeyDirScanner: keeping the last good result', () => {
  it.each(['EMFILE', 'ENFILE', 'EIO', 'EAGAIN', 'EBUSY'])(
    '%s on a changed file keeps its keys, then the file is read again',
    async (code) => {
      const { dir, scanner } = await scanned({ 'k.pem': pkcs8(a) });
      writeFileSync(join(dir, 'k.pem'), pkcs8(b));
      reads.override = () => fsError(code);
      const failed = await scanOf(scanner);
      expect(failed.set.jwks.keys[0]?.n).toBe(publicJwk(a).n);
      expect(failed.kept).toEqual([{ file: 'k.pem', reason: `cannot be read right now (${code})` }]);
      reads.override = undefined;
      const recovered = await scanOf(scanner);
      expect(recovered.set.jwks.keys[0]?.n).toBe(publicJwk(b).n);
      expect(recovered.kept).toEqual([]);
    },
  );

  it('a file never read before that fails transiently shows as refused for now, and publishes once readable', async () => {
    const dir = dirWith({ 'k.pem': pkcs8(a) });
    const scanner = new KeyDirScanner(dir, 'RS256');
    reads.override = () => fsError('EMFILE');
    expect(reasonOf(await scanOf(scanner), 'k.pem')).toBe('cannot be read right now (EMFILE); retrying');
    reads.override = undefined;
    expect(published(await scanOf(scanner))).toEqual(['k']);
  });

  it('a file that changed while it was read keeps its keys until read whole', async () => {
    const { dir, scanner } = await scanned({ 'k.pem': pkcs8(a) });
    writeFileSync(join(dir, 'k.pem'), pkcs8(b));
    reads.override = () => Promise.resolve({ ok: false, problem: 'changed', reason: 'changed while it was read' });
    expect((await scanOf(scanner)).set.jwks.keys[0]?.n).toBe(publicJwk(a).n);
    reads.override = undefined;
    expect((await scanOf(scanner)).set.jwks.keys[0]?.n).toBe(publicJwk(b).n);
  });

  it.each([
    ['truncated in place (cp, before its write)', (path: string) => truncateSync(path, 0), 'not a PEM, JWK or JWKS file'],
    [
      'unreadable (permission denied)',
      (path: string) => {
        writeFileSync(path, pkcs8(b));
        reads.override = () => fsError('EACCES');
      },
      'cannot be read: permission denied (EACCES)',
    ],
  ])('a file %s keeps its keys for a scan, and drops them when the next sees it unchanged', async (_name, spoil, reason) => {
    const { dir, scanner } = await scanned({ 'k.pem': pkcs8(a) }, EAGER);
    spoil(join(dir, 'k.pem'));
    const first = await scanOf(scanner);
    expect(published(first)).toEqual(['k']);
    expect(first.set.reports[0]).toMatchObject({ status: 'published' });
    const stable = await scanOf(scanner);
    expect(published(stable)).toEqual([]);
    expect(reasonOf(stable, 'k.pem')).toBe(reason);
  });

  it('a truncated file rewritten before the next scan never loses its key', async () => {
    const { dir, scanner } = await scanned({ 'k.pem': pkcs8(a) });
    for (const key of [b, a, b]) {
      writeFileSync(join(dir, 'k.pem'), pkcs8(key).slice(0, 100));
      expect(published(await scanOf(scanner))).toEqual(['k']);
      writeFileSync(join(dir, 'k.pem'), pkcs8(key));
      const scan = await scanOf(scanner);
      expect(scan.set.jwks.keys[0]?.n).toBe(publicJwk(key).n);
    }
  });

  it('a just-written file stays unconfirmed: a refusal is not adopted while its change is recent', async () => {
    const { dir, scanner } = await scanned({ 'k.pem': pkcs8(a) });
    truncateSync(join(dir, 'k.pem'), 0);
    for (let scan = 0; scan < 3; scan += 1) expect(published(await scanOf(scanner))).toEqual(['k']);
  });

  it('a rewrite within one timestamp tick, same size, is still seen (a recent file is read again)', async () => {
    // Padded to one length: only the content differs, and the times may not (they move by clock ticks).
    const length = Math.max(pkcs8(a).length, pkcs8(b).length);
    const { dir, scanner } = await scanned({ 'k.pem': pkcs8(a).padEnd(length, '\n') });
    writeFileSync(join(dir, 'k.pem'), pkcs8(b).padEnd(length, '\n'));
    expect((await scanOf(scanner)).set.jwks.keys[0]?.n).toBe(publicJwk(b).n);
  });

  it('a file that is gone drops its keys at once', async () => {
    const { dir, scanner } = await scanned({ 'k.pem': pkcs8(a), 'other.pem': pkcs8(b) });
    rmSync(join(dir, 'k.pem'));
    expect(published(await scanOf(scanner))).toEqual(['other']);
  });

  it('a file replaced by rename is read again even if size and times could match', async () => {
    const { dir, scanner } = await scanned({ 'k.pem': pkcs8(a) });
    writeFileSync(join(dir, '.next'), pkcs8(b));
    renameSync(join(dir, '.next'), join(dir, 'k.pem'));
    expect((await scanOf(scanner)).set.jwks.keys[0]?.n).toBe(publicJwk(b).n);
  });
});

describe('scanKeysDir: one key under one kid', () => {
  it('publishes a private key file and its public file under one kid once', async () => {
    const set = await scanKeysDir(dirWith({ 'k.pem': pkcs8(a), 'k.pub': spki(a) }), 'RS256');
    expect(set.jwks.keys.map((key) => key.kid)).toEqual(['k']);
    expect(set.reports.map((report) => [report.file, report.status, report.reason])).toEqual([
      ['k.pem', 'published', 'same key as k.pub: published once'],
      ['k.pub', 'published', 'same key as k.pem: published once'],
    ]);
  });

  it('refuses both when the kid names different keys, or the same key with different algs', async () => {
    const different = await scanKeysDir(dirWith({ 'k.pem': pkcs8(a), 'k.pub': spki(b) }), 'RS256');
    expect(different.jwks.keys).toEqual([]);
    const algs = await scanKeysDir(dirWith({ 'k.pem': pkcs8(a), 'k.json': JSON.stringify({ ...publicJwk(a), alg: 'PS256' }) }), 'RS256');
    expect(algs.jwks.keys).toEqual([]);
    expect(algs.reports[0]?.reason).toMatch(/^duplicate kid "k" with different keys/);
  });
});
