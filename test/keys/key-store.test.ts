import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeysDirError, KeysUnavailableError } from '../../src/errors.js';
import { KeyDirScanner, type KeyScan } from '../../src/keys/key-dir.js';
import { KeyStore, STALE_AFTER_INTERVALS, type KeyStoreOptions } from '../../src/keys/key-store.js';
import { ModulusChecks } from '../../src/keys/modulus-checks.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  captureLogger,
  pkcs1,
  pkcs8,
  privateJwk,
  privateMembersIn,
  PUBLISHED_MEMBERS,
  publicJwk,
  rsaKey,
  spki,
  TempDirs,
  waitFor,
  type TestKey,
} from './helpers.js';
import { costlyModuli, rsaNumbers, toBase64url } from '../support/keys.js';

const temp = new TempDirs();
const stores: KeyStore[] = [];
let a: TestKey;
let b: TestKey;
let c: TestKey;
let small: TestKey;

beforeAll(() => {
  [a, b, c, small] = [rsaKey(), rsaKey(), rsaKey(), rsaKey(1024)];
});
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});
afterAll(() => temp.cleanup());

async function open(dir: string, options: Partial<KeyStoreOptions> = {}): Promise<KeyStore> {
  const store = await KeyStore.open({ dir, defaultAlg: 'RS256', rescanIntervalMs: 1000, logger: silentLogger(), ...options });
  stores.push(store);
  return store;
}

function dirWith(files: Record<string, string>): string {
  const dir = temp.make();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
  return dir;
}

const kids = (store: KeyStore): string[] => store.current().keys.map((key) => key.kid);
const modulus = (key: TestKey): unknown => publicJwk(key).n;
const nOf = (store: KeyStore, kid: string): string | undefined => store.current().keys.find((key) => key.kid === kid)?.n;
/** `current()` that reports "no keys" as an empty list, for polling through a change. */
const kidsOrNone = (store: KeyStore): string[] => {
  try {
    return kids(store);
  } catch (error) {
    if (error instanceof KeysUnavailableError) return [];
    throw error;
  }
};

/** Asks the store for `kid` every millisecond, as JWKS requests would, counting the answers without it. */
function pollFor(store: KeyStore, kid: string): { polls: number; missing: number; stop(): void } {
  const poll = {
    polls: 0,
    missing: 0,
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => {
    poll.polls += 1;
    if (!kidsOrNone(store).includes(kid)) poll.missing += 1;
  }, 1);
  return poll;
}

describe('KeyStore.open', () => {
  it('throws KeysDirError naming the directory when it does not exist', async () => {
    const dir = join(temp.make(), 'missing');
    const opening = open(dir);
    await expect(opening).rejects.toBeInstanceOf(KeysDirError);
    await expect(opening).rejects.toThrow(dir);
    await expect(opening).rejects.toThrow(/no such file or directory/);
  });

  it('throws KeysDirError when the path is a file', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    await expect(open(join(dir, 'a.pem'))).rejects.toThrow(/not a directory/);
  });

  it('publishes every format of a directory, sorted by kid, public members only', async () => {
    const dir = dirWith({
      'z-pkcs8.pem': pkcs8(a),
      'y-pkcs1.key': pkcs1(b),
      'x-spki.pub': spki(c),
      'w.json': JSON.stringify({ ...privateJwk(a), kid: 'w-jwk', alg: 'PS256' }),
      'README.md': 'not a key',
      '.hidden.pem': pkcs8(b),
    });
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'n.pem'), pkcs8(c));
    const store = await open(dir);
    expect(kids(store)).toEqual(['w-jwk', 'x-spki', 'y-pkcs1', 'z-pkcs8']);
    const body = JSON.stringify(store.current());
    expect(privateMembersIn(JSON.parse(body))).toEqual([]);
    for (const key of store.current().keys) expect(Object.keys(key)).toEqual(PUBLISHED_MEMBERS);
    expect(store.stats).toMatchObject({ published: 4, reloads: 1, failures: 0 });
    expect(store.stats.lastSuccessAt).toBeInstanceOf(Date);
    expect(store.files.map((file) => file.file)).toEqual(['w.json', 'x-spki.pub', 'y-pkcs1.key', 'z-pkcs8.pem']);
  });

  it('an empty directory opens, and current() throws KeysUnavailableError', async () => {
    const store = await open(temp.make());
    expect(() => store.current()).toThrow(KeysUnavailableError);
    expect(store.stats).toMatchObject({ published: 0, reloads: 1, failures: 0 });
  });

  it('does not create a key in an empty directory', async () => {
    const dir = temp.make();
    await open(dir);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('published keys', () => {
  it('two stores on the same directory serve byte-identical bodies', async () => {
    const dir = dirWith({ 'b.pem': pkcs8(b), 'a.json': JSON.stringify(publicJwk(a)), 'c.pem': spki(c) });
    const [first, second] = [await open(dir), await open(dir, { defaultAlg: 'RS256' })];
    expect(JSON.stringify(second.current())).toBe(JSON.stringify(first.current()));
    await first.reload();
    expect(JSON.stringify(first.current())).toBe(JSON.stringify(second.current()));
  });

  it('verifies tokens with jose: the published keys are the signing keys', async () => {
    const dir = dirWith({ 'rs.pem': pkcs8(a), 'ps.json': JSON.stringify({ ...privateJwk(b), alg: 'PS256' }) });
    const jwks = createLocalJWKSet((await open(dir)).current());
    for (const [kid, alg, key] of [
      ['rs', 'RS256', a],
      ['ps', 'PS256', b],
    ] as const) {
      const token = await new SignJWT({ sub: 'test' }).setProtectedHeader({ alg, kid }).sign(key.privateKey);
      const { protectedHeader } = await jwtVerify(token, jwks);
      expect(protectedHeader.kid).toBe(kid);
    }
  });

  it('refuses duplicate kids (neither published) while the other keys stay published', async () => {
    const dir = dirWith({ 'dup.pem': pkcs8(a), 'other.json': JSON.stringify({ ...publicJwk(b), kid: 'dup' }), 'ok.pem': pkcs8(c) });
    const store = await open(dir);
    expect(kids(store)).toEqual(['ok']);
    expect(store.files.filter((file) => file.status === 'refused').map((file) => file.file)).toEqual(['dup.pem', 'other.json']);
  });
});

describe('logging', () => {
  it('logs each refusal once across rescans, naming the file and reason, never key material', async () => {
    const dir = dirWith({ 'small.pem': pkcs8(small), 'ok.pem': pkcs8(a), 'x.json': JSON.stringify({ ...privateJwk(b), kid: 'ok' }) });
    const { logger, lines, records } = captureLogger();
    const store = await open(dir, { logger });
    await store.reload();
    await store.reload();
    const refusals = records().filter((record) => record.msg === 'key refused');
    expect(refusals).toHaveLength(2);
    expect(refusals).toContainEqual(
      expect.objectContaining({ level: 'warn', file: join(dir, 'small.pem'), reason: expect.stringMatching(/1024-bit/) }),
    );
    expect(refusals).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        kid: 'ok',
        files: [join(dir, 'ok.pem'), join(dir, 'x.json')],
        reason: expect.stringMatching(/duplicate kid/),
      }),
    );
    const log = lines.join('\n');
    expect(log).not.toContain('PRIVATE KEY');
    expect(log).not.toContain(String(privateJwk(b).d).slice(0, 20));
    expect(privateMembersIn(records())).toEqual([]);
  });

  it('logs each file ignored for its name once, as long as it stays', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a), 'a.pem~': pkcs8(b) });
    const { logger, records } = captureLogger();
    const store = await open(dir, { logger, rescanIntervalMs: 60_000 });
    writeFileSync(join(dir, 'old.pem.revoked'), pkcs8(c));
    await store.reload();
    await store.reload();
    const ignored = (): unknown[] => records().filter((record) => record.msg === 'file in the keys directory ignored');
    expect(ignored()).toEqual([
      expect.objectContaining({ level: 'info', file: join(dir, 'a.pem~'), reason: 'not a key file name (a backup: ends with "~")' }),
      expect.objectContaining({ level: 'info', file: join(dir, 'old.pem.revoked'), reason: 'not a key file name (extension ".revoked")' }),
    ]);
    expect(kids(store)).toEqual(['a']);
  });

  it('logs a refusal again after it was fixed and came back', async () => {
    const dir = dirWith({ 'ok.pem': pkcs8(a) });
    const { logger, records } = captureLogger();
    const store = await open(dir, { logger, rescanIntervalMs: 60_000 });
    const count = (): number => records().filter((record) => record.msg === 'key refused').length;
    // Written atomically, so that a watcher-triggered scan never sees an empty file (a different refusal).
    const writeBad = (): void => {
      writeFileSync(join(dir, '.bad.tmp'), 'garbage');
      renameSync(join(dir, '.bad.tmp'), join(dir, 'bad.pem'));
    };
    writeBad();
    await store.reload();
    expect(count()).toBe(1);
    rmSync(join(dir, 'bad.pem'));
    await store.reload();
    writeBad();
    await store.reload();
    expect(count()).toBe(2);
  });
});

describe('hot reload', () => {
  it('shows added, replaced and removed files through the directory watcher, notifying on change only', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    // A rescan interval far beyond the deadline: only the watcher can make these changes show in time.
    const store = await open(dir, { rescanIntervalMs: 60_000 });
    let notified = 0;
    store.subscribe(() => {
      notified += 1;
    });

    writeFileSync(join(dir, 'b.pem'), pkcs8(b));
    await waitFor(() => kidsOrNone(store).includes('b'), 'added key b');
    expect(kids(store)).toEqual(['a', 'b']);
    expect(notified).toBe(1);

    // The documented atomic replace: a hidden temporary file (ignored by scans) renamed over the old one.
    writeFileSync(join(dir, '.b.tmp'), pkcs8(c));
    renameSync(join(dir, '.b.tmp'), join(dir, 'b.pem'));
    await waitFor(() => nOf(store, 'b') === modulus(c), 'replaced key b');

    rmSync(join(dir, 'a.pem'));
    await waitFor(() => !kidsOrNone(store).includes('a'), 'removed key a');
    expect(kids(store)).toEqual(['b']);

    const before = { notified, reloads: store.stats.reloads };
    writeFileSync(join(dir, 'notes.txt'), 'unrelated');
    await store.reload();
    expect({ notified, reloads: store.stats.reloads }).toEqual(before);
  });

  it('the periodic rescan sees changes the watcher cannot (a file in a subdirectory, through a symlink)', async () => {
    const dir = temp.make();
    mkdirSync(join(dir, '.store'));
    writeFileSync(join(dir, '.store', 'target.pem'), pkcs8(a));
    symlinkSync(join('.store', 'target.pem'), join(dir, 'linked.pem'));
    const store = await open(dir, { rescanIntervalMs: 100 });
    expect(nOf(store, 'linked')).toBe(modulus(a));
    writeFileSync(join(dir, '.store', 'target.pem'), pkcs8(b));
    await waitFor(() => nOf(store, 'linked') === modulus(b), 'rescan of the symlink target');
  });

  it('keeps the other keys published while a file is rewritten in place', async () => {
    const dir = dirWith({ 'stable.pem': pkcs8(a), 'churn.pem': pkcs8(b) });
    const store = await open(dir, { rescanIntervalMs: 100 });
    const poll = pollFor(store, 'stable');
    try {
      for (let round = 0; round < 20; round += 1) {
        writeFileSync(join(dir, 'churn.pem'), pkcs8(round % 2 === 0 ? c : b));
        await store.reload();
      }
      await waitFor(() => nOf(store, 'churn') === modulus(b), 'final churn key');
    } finally {
      poll.stop();
    }
    expect(poll.polls).toBeGreaterThan(0);
    expect(poll.missing).toBe(0);
  });

  it('zero keys after removal: current() throws KeysUnavailableError, and recovers when a key returns', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    const store = await open(dir);
    rmSync(join(dir, 'a.pem'));
    await store.reload();
    expect(() => store.current()).toThrow(KeysUnavailableError);
    writeFileSync(join(dir, 'a.pem'), pkcs8(a));
    await store.reload();
    expect(kids(store)).toEqual(['a']);
  });

  it('converges on a Kubernetes Secret volume update (..data symlink swap)', async () => {
    const dir = temp.make();
    const writeVersion = (stamp: string, files: Record<string, string>): void => {
      mkdirSync(join(dir, stamp));
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, stamp, name), content);
      symlinkSync(stamp, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      for (const name of Object.keys(files)) {
        if (!readdirSync(dir).includes(name)) symlinkSync(join('..data', name), join(dir, name));
      }
    };
    writeVersion('..2026_01_01_00_00_00.000000001', { 'key.pem': pkcs8(a) });
    const store = await open(dir);
    expect(kids(store)).toEqual(['key']);
    expect(nOf(store, 'key')).toBe(modulus(a));

    writeVersion('..2026_02_01_00_00_00.000000002', { 'key.pem': pkcs8(b), 'next.pem': pkcs8(c) });
    rmSync(join(dir, '..2026_01_01_00_00_00.000000001'), { recursive: true });
    await waitFor(() => nOf(store, 'key') === modulus(b) && kidsOrNone(store).includes('next'), 'the swapped ..data');
    expect(kids(store)).toEqual(['key', 'next']);
    expect(store.files.map((file) => file.file)).toEqual(['key.pem', 'next.pem']);
  });
});

describe('directory failures', () => {
  it('keeps the last good set when the directory is deleted, counts failures, logs one error, recovers', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    const { logger, records } = captureLogger();
    const store = await open(dir, { logger, rescanIntervalMs: 100 });
    const body = JSON.stringify(store.current());
    rmSync(dir, { recursive: true });
    await store.reload();
    await store.reload();
    expect(JSON.stringify(store.current())).toBe(body);
    expect(store.stats.failures).toBeGreaterThanOrEqual(2);
    const errors = records().filter((record) => record.level === 'error' && String(record.msg).includes('cannot be read'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ dir, keptKeys: 1 });

    mkdirSync(dir);
    writeFileSync(join(dir, 'b.pem'), pkcs8(b));
    await waitFor(() => kidsOrNone(store).includes('b'), 'recreated directory');
    expect(kids(store)).toEqual(['b']);
  });
});

describe('lifecycle', () => {
  it('unsubscribe stops notifications; close is idempotent', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    const store = await open(dir, { rescanIntervalMs: 60_000 });
    let calls = 0;
    const unsubscribe = store.subscribe(() => {
      calls += 1;
    });
    writeFileSync(join(dir, 'b.pem'), pkcs8(b));
    await store.reload();
    expect(calls).toBe(1);
    unsubscribe();
    rmSync(join(dir, 'b.pem'));
    await store.reload();
    expect(kids(store)).toEqual(['a']);
    expect(calls).toBe(1);
    store.close();
    expect(() => store.close()).not.toThrow();
  });

  it('a failing subscriber does not stop the others', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    const store = await open(dir, { rescanIntervalMs: 60_000 });
    let reached = false;
    store.subscribe(() => {
      throw new Error('subscriber bug');
    });
    store.subscribe(() => {
      reached = true;
    });
    writeFileSync(join(dir, 'b.pem'), pkcs8(b));
    await store.reload();
    expect(reached).toBe(true);
  });

  it('concurrent reloads all resolve after a scan that saw the change', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    const store = await open(dir, { rescanIntervalMs: 60_000 });
    const first = store.reload();
    writeFileSync(join(dir, 'b.pem'), pkcs8(b));
    await Promise.all([first, store.reload(), store.reload()]);
    expect(kids(store)).toEqual(['a', 'b']);
  });
});

describe('in-place rewrites', () => {
  it('cp over a key file in a loop (truncate, then write) never takes the kid out of the set', async () => {
    const dir = dirWith({ 'k.pem': pkcs8(a) });
    const sources = temp.make();
    writeFileSync(join(sources, 'a.pem'), pkcs8(a));
    writeFileSync(join(sources, 'b.pem'), pkcs8(b));
    const store = await open(dir, { rescanIntervalMs: 100 });
    const poll = pollFor(store, 'k');
    // cp truncates the target in place and then writes it: a scan can find it empty or half written.
    const target = join(dir, 'k.pem');
    const copier = spawn(
      'sh',
      [
        '-c',
        `end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do cp "$1" "$3"; cp "$2" "$3"; done`,
        'sh',
        join(sources, 'a.pem'),
        join(sources, 'b.pem'),
        target,
      ],
      { stdio: 'ignore' },
    );
    try {
      await once(copier, 'exit');
    } finally {
      poll.stop();
    }
    await store.reload();
    expect(nOf(store, 'k')).toBe(modulus(b));
    expect(poll.polls).toBeGreaterThan(100);
    expect(poll.missing).toBe(0);
  });
});

describe('non-regular entries and hostile kids', () => {
  it('logs a FIFO named like a key as refused, and lists it in files', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    execFileSync('mkfifo', [join(dir, 'pipe.pem')]);
    const { logger, records } = captureLogger();
    const store = await open(dir, { logger });
    expect(kids(store)).toEqual(['a']);
    expect(store.files.find((file) => file.file === 'pipe.pem')).toMatchObject({
      status: 'refused',
      reason: 'is a FIFO (named pipe), not a regular file',
    });
    expect(records()).toContainEqual(
      expect.objectContaining({ msg: 'key refused', file: join(dir, 'pipe.pem'), reason: 'is a FIFO (named pipe), not a regular file' }),
    );
  });

  it('never writes a control character of a kid into a log line, not even JSON-escaped in the reason', async () => {
    const hostile = 'evil\r\n{"level":60,"msg":"forged"}\u001b[2J';
    const dir = dirWith({ 'x.json': JSON.stringify({ ...publicJwk(a), kid: hostile }) });
    const { logger, lines, records } = captureLogger();
    await open(dir, { logger });
    const refusal = records().find((record) => record.msg === 'key refused');
    expect(refusal?.reason).toMatch(/^kid: is "evil\\r\\n\{\\"level\\":60.*\\u001b\[2J"; .*\(rfc7517\.kid-printable\)$/);
    expect(refusal?.kid).toBe('evil\\r\\n{"level":60,"msg":"forged"}\\u001b[2J');
    // Not even JSON-escaped: every string of every parsed line is free of control characters.
    const strings = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : typeof value === 'object' && value !== null ? Object.values(value).flatMap(strings) : [];
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f]/);
    for (const text of records().flatMap(strings)) expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('scans that hang', () => {
  /** A scanner over `dir` whose scans hang while `hanging` is set, until `release()` ends them as superseded. */
  function hangableScanner(dir: string): { scanner: KeyStoreOptions['scanner']; hang(on: boolean): void; release(): void } {
    const real = new KeyDirScanner(dir, 'RS256');
    const hung: Array<(scan: KeyScan | undefined) => void> = [];
    let hanging = false;
    return {
      scanner: { scan: () => (hanging ? new Promise((resolve) => hung.push(resolve)) : real.scan()) },
      hang: (on) => {
        hanging = on;
      },
      release: () => {
        for (const resolve of hung.splice(0)) resolve(undefined);
      },
    };
  }

  it('a scan that never completes does not stop later scans: a new key still publishes', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    const hangable = hangableScanner(dir);
    const { logger, records } = captureLogger();
    const store = await open(dir, { rescanIntervalMs: 100, scanner: hangable.scanner, logger });
    hangable.hang(true);
    void store.reload();
    hangable.hang(false);
    writeFileSync(join(dir, 'b.pem'), pkcs8(b));
    // The store gives a scan up after 10 rescan intervals (1 s here, src/keys/key-store.ts); the next scan sees b.
    await waitFor(() => kidsOrNone(store).includes('b'), 'a scan after the hung one', 20_000);
    expect(store.stats.failures).toBeGreaterThanOrEqual(1);
    expect(records()).toContainEqual(
      expect.objectContaining({ level: 'error', msg: expect.stringMatching(/^keys directory scan did not finish/) }),
    );
    hangable.release();
  });

  it('reports the set stale after STALE_AFTER_INTERVALS intervals without a completed scan, and fresh again after one', async () => {
    const dir = dirWith({ 'a.pem': pkcs8(a) });
    const hangable = hangableScanner(dir);
    const { logger, records } = captureLogger();
    const store = await open(dir, { rescanIntervalMs: 100, scanner: hangable.scanner, logger });
    expect(store.staleness()).toBeUndefined();
    hangable.hang(true);
    await waitFor(() => store.staleness() !== undefined, 'staleness', 20 * STALE_AFTER_INTERVALS * 100);
    expect(store.stats.stale).toMatch(/^keys: no scan of .* completed for \d+ s \(limit 3 s\); the published key set may be stale$/);
    // The last good set keeps serving meanwhile.
    expect(kids(store)).toEqual(['a']);
    await waitFor(() => records().some((record) => record.msg === 'key set is stale'), 'the stale log line');
    hangable.hang(false);
    hangable.release();
    await waitFor(() => store.staleness() === undefined, 'a completed scan', 20_000);
    expect(store.stats.stale).toBeUndefined();
  });
});

describe('costly keys', () => {
  it('a JWKS of 8 costly moduli keeps neither scans, nor another key, nor readiness waiting', async () => {
    // Moduli of about 16384 bits: valid-looking, costly to test.
    const moduli = costlyModuli(8, 16);
    // The primality test of the costly moduli never answers (as if each took minutes); the others answer at once.
    const asked: bigint[] = [];
    const checks = new ModulusChecks({
      primeProblem: (n) => {
        asked.push(n);
        return moduli.includes(n) ? new Promise(() => undefined) : Promise.resolve(undefined);
      },
    });
    const costly = { keys: moduli.map((n, index) => ({ kty: 'RSA', kid: `costly-${index}`, n: toBase64url(n), e: 'AQAB' })) };
    const dir = dirWith({ 'a.pem': pkcs8(a), 'costly.json': JSON.stringify(costly) });
    const scanner = new KeyDirScanner(dir, 'RS256', { checks, checkBudgetMs: 100 });
    const store = await open(dir, { scanner, rescanIntervalMs: 60_000 });
    await waitFor(() => kidsOrNone(store).includes('a'), 'key a');

    writeFileSync(join(dir, 'b.pem'), pkcs8(b));
    await store.reload();
    if (!kids(store).includes('b')) {
      // Not checked within the budget of the first scan: checked meanwhile, so the second scan publishes it.
      await waitFor(() => asked.includes(rsaNumbers(b).n), "b's check");
      await store.reload();
    }
    expect(kids(store)).toEqual(['a', 'b']);
    await store.reload();
    expect(store.staleness()).toBeUndefined();
    expect(store.stats).toMatchObject({ published: 2, failures: 0, stale: undefined });
    expect(store.files.find((file) => file.file === 'costly.json')?.reason).toMatch(
      /^the RSA modulus checks of 8 keys did not finish within 100 ms/,
    );
    // The costly moduli wait their turn one at a time; none is tested again by a later scan.
    expect(asked.filter((n) => moduli.includes(n))).toEqual([moduli[0]]);
  });
});
