/**
 * The embedded development key. When `KEYS_DIR` is unset the service serves `<project root>/.dev-keys` (git
 * ignored), and this makes sure it holds a key, so `npm start` works on a fresh checkout. An explicit `KEYS_DIR`
 * never gets a generated key: a missing production key must fail loudly, not be replaced by one no signer has.
 * The `keys` CLI and `--check` read the same directory when `KEYS_DIR` is unset, and never write to it.
 */
import { join } from 'node:path';
import { projectRoot } from '../contract/spec.js';
import { KeysDirError } from '../errors.js';
import { errorCode } from './key-errors.js';
import { describeFsError, scanKeysDir } from './key-dir.js';
import { newKid, writeNewKey, type NewKey } from './new-key.js';

/** The keys directory when `KEYS_DIR` is unset: `<project root>/.dev-keys`. */
export function defaultKeysDir(): string {
  return join(projectRoot(), '.dev-keys');
}

/** The development directory, and the key written into it by this call, if one was. */
export interface DevKeysDir {
  readonly dir: string;
  readonly generated: NewKey | undefined;
}

/**
 * Ensures `dir` publishes at least one key: when it has none (missing directory, empty, or only refused files),
 * creates the directory with mode 0700 and writes a fresh RSA 2048-bit PKCS#8 PEM `dev-<yyyymmdd>-<random>.pem`
 * with mode 0600. Later starts find that key and reuse it. Throws a one-line {@link KeysDirError} naming
 * `KEYS_DIR` and `dir` when the directory cannot be read or written (e.g. a read-only image).
 */
export async function ensureDevKeysDir(dir: string): Promise<DevKeysDir> {
  try {
    if (await publishesAKey(dir)) return { dir, generated: undefined };
    return { dir, generated: await writeNewKey({ dir, kid: newKid('dev') }) };
  } catch (error) {
    throw devKeysDirError(dir, error);
  }
}

/**
 * The one-line {@link KeysDirError} for a development directory `dir` that cannot be read or written, naming
 * `KEYS_DIR`; `error` is what reading or writing it threw.
 */
export function devKeysDirError(dir: string, error: unknown): KeysDirError {
  const reason = describeFsError(error instanceof KeysDirError ? error.cause : error);
  return new KeysDirError(
    `KEYS_DIR is not set, and the development key directory ${dir} cannot be used: ${reason}. Set KEYS_DIR to the directory of the signing keys`,
    { cause: error },
  );
}

/** Whether `dir` exists and publishes at least one key; reads only. */
export async function publishesAKey(dir: string): Promise<boolean> {
  try {
    // The alg does not decide whether a key is published, only what it is published with.
    const set = await scanKeysDir(dir, 'RS256');
    return set.jwks.keys.length > 0;
  } catch (error) {
    if (error instanceof KeysDirError && errorCode(error.cause) === 'ENOENT') return false;
    throw error;
  }
}
