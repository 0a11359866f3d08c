import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An RSA key pair for tests. */
export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PKCS#8 PEM of the private key. */
  readonly pem: string;
}

/** Generates an RSA key pair (2048 bits unless told otherwise). */
export function rsaKey(bits = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey, publicKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'wk-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A temporary keys directory holding `key` as `<kid>.pem`. */
export function keysDirWith(entries: Readonly<Record<string, TestKey>>): string {
  const dir = tempDir('wk-keys-');
  for (const [kid, key] of Object.entries(entries)) writeFileSync(join(dir, `${kid}.pem`), key.pem, { mode: 0o600 });
  return dir;
}
