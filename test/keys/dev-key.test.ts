import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDevKeysDir } from '../../src/keys/dev-key.js';
import { KeyStore } from '../../src/keys/key-store.js';
import { silentLogger } from '../../src/observability/logger.js';
import { TempDirs } from './helpers.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('ensureDevKeysDir', () => {
  it('creates the directory (0700) and one RSA 2048 PKCS#8 key (0600), then reuses it', async () => {
    const dir = join(temp.make(), '.dev-keys');
    const first = await ensureDevKeysDir(dir);
    expect(mode(dir)).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const [file = ''] = files;
    expect(file).toMatch(/^dev-\d{8}-[0-9a-f]{8}\.pem$/);
    expect(mode(join(dir, file))).toBe(0o600);
    const pem = readFileSync(join(dir, file), 'utf8');
    expect(pem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength).toBe(2048);

    expect(first?.file).toBe(join(dir, file));
    expect(await ensureDevKeysDir(dir)).toBeUndefined();
    expect(readdirSync(dir)).toEqual(files);

    const store = await KeyStore.open({ dir, defaultAlg: 'RS256', rescanIntervalMs: 60_000, logger: silentLogger() });
    try {
      expect(store.current().keys.map((key) => key.kid)).toEqual([file.replace(/\.pem$/, '')]);
    } finally {
      store.close();
    }
  });

  it('adds a key to an existing directory that publishes none (only a refused file)', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'broken.pem'), 'not a key');
    await ensureDevKeysDir(dir);
    expect(readdirSync(dir).filter((name) => name.startsWith('dev-'))).toHaveLength(1);
    expect(readdirSync(dir)).toContain('broken.pem');
  });

  it('leaves no temporary file behind', async () => {
    const dir = temp.make();
    await ensureDevKeysDir(dir);
    expect(readdirSync(dir).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});
