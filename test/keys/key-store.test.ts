import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeysDirError, KeysUnavailableError } from '../../src/errors.js';
import { KeyStore, type KeyStoreOptions } from '../../src/keys/key-store.js';
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
    for (const [kid, alg, key] of [['rs', 'RS256', a], ['ps', 'PS256', b]] as const) {
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
    expect(refusals).toContainEqual(expect.objectContaining({ level: 'warn', file: join(dir, 'small.pem'), reason: expect.stringMatching(/1024-bit/) }));
    expect(refusals).toContainEqual(
      expect.objectContaining({ level: 'warn', kid: 'ok', files: [join(dir, 'ok.pem'), join(dir, 'x.json')], reason: expect.stringMatching(/duplicate kid/) }),
    );
    const log = lines.join('\n');
    expect(log).not.toContain('PRIVATE KEY');
    expect(log).not.toContain(String(privateJwk(b).d).slice(0, 20));
    expect(privateMembersIn(records())).toEqual([]);
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

  it('the periodic rescan sees changes the watcher cannot (a symlink target outside the directory)', async () => {
    const outside = dirWith({ 'target.pem': pkcs8(a) });
    const dir = temp.make();
    symlinkSync(join(outside, 'target.pem'), join(dir, 'linked.pem'));
    const store = await open(dir, { rescanIntervalMs: 100 });
    expect(nOf(store, 'linked')).toBe(modulus(a));
    writeFileSync(join(outside, 'target.pem'), pkcs8(b));
    await waitFor(() => nOf(store, 'linked') === modulus(b), 'rescan of the symlink target');
  });

  it('keeps the other keys published while a file is rewritten in place', async () => {
    const dir = dirWith({ 'stable.pem': pkcs8(a), 'churn.pem': pkcs8(b) });
    const store = await open(dir, { rescanIntervalMs: 100 });
    let failures = 0;
    let calls = 0;
    const probe = setInterval(() => {
      calls += 1;
      if (!kidsOrNone(store).includes('stable')) failures += 1;
    }, 2);
    try {
      for (let round = 0; round < 20; round += 1) {
        writeFileSync(join(dir, 'churn.pem'), pkcs8(round % 2 === 0 ? c : b));
        await store.reload();
      }
      await waitFor(() => nOf(store, 'churn') === modulus(b), 'final churn key');
    } finally {
      clearInterval(probe);
    }
    expect(calls).toBeGreaterThan(0);
    expect(failures).toBe(0);
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
