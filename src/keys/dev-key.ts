/**
 * The embedded development key. When `KEYS_DIR` is unset the service serves `<project root>/.dev-keys` (git
 * ignored), and this makes sure it holds a key, so `npm start` works on a fresh checkout. An explicit `KEYS_DIR`
 * never gets a generated key: a missing production key must fail loudly, not be replaced by one no signer has.
 * The `keys` CLI and `--check` read the same directory when `KEYS_DIR` is unset, and never write to it.
 */
import { join } from 'node:path';
import type { KeyAlgorithm } from '../config.js';
import { projectRoot } from '../contract/spec.js';
import { errorCode, KeysDirError } from '../errors.js';
import { describeFsError, scanKeysDir } from './key-dir.js';
import type { KeySet } from './key-set.js';
import { newKid, writeNewKey, type NewKey } from './new-key.js';

/** The keys directory when `KEYS_DIR` is unset: `<project root>/.dev-keys`. */
export function defaultKeysDir(): string {
  return join(projectRoot(), '.dev-keys');
}

/**
 * Ensures `dir` publishes at least one key: when it has none (missing directory, empty, or only refused files),
 * creates the directory with mode 0700 and writes a fresh RSA 2048-bit PKCS#8 PEM `dev-<yyyymmdd>-<random>.pem`
 * with mode 0600, and returns it. Later starts find that key and reuse it (`undefined`: nothing written). Throws a
 * one-line {@link KeysDirError} naming `KEYS_DIR` and `dir` when the directory cannot be read or written (e.g. a
 * read-only image).
 */
export async function ensureDevKeysDir(dir: string): Promise<NewKey | undefined> {
  // The alg does not decide whether a key is published, only what it is published with.
  if ((await devKeys(dir, 'RS256')) !== undefined) return undefined;
  try {
    return await writeNewKey({ dir, kid: newKid('dev') });
  } catch (error) {
    throw devKeysDirError(dir, error);
  }
}

/**
 * The keys the development directory `dir` publishes, read only; `undefined` while it publishes none (missing,
 * empty, or only refused files), which `npm start` would mend by generating one. Throws like
 * {@link ensureDevKeysDir} when the directory cannot be read.
 */
export async function devKeys(dir: string, defaultAlg: KeyAlgorithm): Promise<KeySet | undefined> {
  try {
    const set = await scanKeysDir(dir, defaultAlg);
    return set.jwks.keys.length > 0 ? set : undefined;
  } catch (error) {
    if (error instanceof KeysDirError && errorCode(error.cause) === 'ENOENT') return undefined;
    throw devKeysDirError(dir, error);
  }
}

/** The one-line {@link KeysDirError} for a development directory `dir` that reading or writing failed with `error`. */
function devKeysDirError(dir: string, error: unknown): KeysDirError {
  const reason = describeFsError(error instanceof KeysDirError ? error.cause : error);
  return new KeysDirError(
    `KEYS_DIR is not set, and the development key directory ${dir} cannot be used: ${reason}. Set KEYS_DIR to the directory of the signing keys`,
    { cause: error },
  );
}
