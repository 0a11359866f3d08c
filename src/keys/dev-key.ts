/**
 * The embedded development key. When `KEYS_DIR` is unset the service serves `<project root>/.dev-keys` (git
 * ignored), and this makes sure it holds a key, so `npm start` works on a fresh checkout. An explicit `KEYS_DIR`
 * never gets a generated key: a missing production key must fail loudly, not be replaced by one no signer has.
 */
import { KeysDirError } from '../errors.js';
import { errorCode } from './key-errors.js';
import { scanKeysDir } from './key-dir.js';
import { newKid, writeNewKey } from './new-key.js';

/**
 * Ensures `dir` publishes at least one key: when it has none (missing directory, empty, or only refused files),
 * creates the directory with mode 0700 and writes a fresh RSA 2048-bit PKCS#8 PEM `dev-<yyyymmdd>-<random>.pem`
 * with mode 0600. Later starts find that key and reuse it. Resolves with `dir`; throws a {@link KeysDirError}
 * when `dir` exists but cannot be read.
 */
export async function ensureDevKeysDir(dir: string): Promise<string> {
  if (await publishesAKey(dir)) return dir;
  await writeNewKey({ dir, kid: newKid('dev') });
  return dir;
}

async function publishesAKey(dir: string): Promise<boolean> {
  try {
    // The alg does not decide whether a key is published, only what it is published with.
    const set = await scanKeysDir(dir, 'RS256');
    return set.jwks.keys.length > 0;
  } catch (error) {
    if (error instanceof KeysDirError && errorCode(error.cause) === 'ENOENT') return false;
    throw error;
  }
}
