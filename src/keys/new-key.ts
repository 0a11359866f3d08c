/**
 * Creation of signing keys, shared by the `keys generate` command and the embedded development key: a fresh RSA
 * key written with mode 0600 into a keys directory, atomically and without ever replacing a file.
 *
 * Without an `alg` the key is a PKCS#8 PEM named `<kid>.pem` (the store takes the kid from the file name and the
 * alg from `KEYS_DEFAULT_ALG`). With an `alg` it is a private JWK `<kid>.json` that records `kid`, `use` and `alg`
 * ({@link https://www.rfc-editor.org/rfc/rfc7517#section-4 | RFC 7517 §4}), since a PEM has nowhere to keep an alg.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { KeyAlgorithm } from '../config.js';
import { MAX_RSA_BITS, MIN_RSA_BITS } from '../rules/rsa-key.js';
import { errorCode, KeyInvalidError } from '../errors.js';
import { scanKeysDir } from './key-dir.js';

/** Kids `generate` accepts: they become file names, so no separators, and no leading '.' (hidden files are ignored). */
const KID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What to generate. */
export interface NewKeyOptions {
  readonly dir: string;
  readonly kid: string;
  /** Recorded in a JWK file when set; otherwise a PEM is written and `KEYS_DEFAULT_ALG` applies. */
  readonly alg?: KeyAlgorithm | undefined;
  /** Modulus length; default {@link MIN_RSA_BITS}. */
  readonly bits?: number | undefined;
}

/** A key that was written. */
export interface NewKey {
  readonly kid: string;
  /** Path of the new file. */
  readonly file: string;
  readonly format: 'pem' | 'jwk';
  readonly bits: number;
}

/** A kid such as `dev-20260701-3f9a1c2b`: a prefix, the UTC date, and randomness so two runs never collide. */
export function newKid(prefix: string): string {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return `${prefix}-${date}-${randomBytes(4).toString('hex')}`;
}

/** Why `kid` or `bits` cannot be generated, or `undefined` when they can. */
export function newKeyProblem(kid: string, bits: number): string | undefined {
  if (!KID_PATTERN.test(kid))
    return `kid ${JSON.stringify(kid)} is not 1 to 128 letters, digits, '.', '_' or '-' starting with a letter or digit`;
  if (!Number.isInteger(bits) || bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    return `bits ${bits} is not a whole number from ${MIN_RSA_BITS} to ${MAX_RSA_BITS}`;
  }
  return undefined;
}

/**
 * Generates an RSA key and writes it into `dir` (created with mode 0700 when missing). Throws a
 * {@link KeyInvalidError} naming the file when `kid` is already used by a key of `dir` or the file exists, a
 * `KeysDirError` when `dir` cannot be read, and a `RangeError` for a kid or size {@link newKeyProblem} refuses.
 */
export async function writeNewKey(options: NewKeyOptions): Promise<NewKey> {
  const { dir, kid, alg } = options;
  const bits = options.bits ?? MIN_RSA_BITS;
  const problem = newKeyProblem(kid, bits);
  if (problem !== undefined) throw new RangeError(problem);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await assertKidUnused(dir, kid);
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: bits });
  const file = join(dir, alg === undefined ? `${kid}.pem` : `${kid}.json`);
  if (alg === undefined) {
    await writeExclusive(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    return { kid, file, format: 'pem', bits };
  }
  const members = privateKey.export({ format: 'jwk' });
  await writeExclusive(file, `${JSON.stringify({ kty: 'RSA', use: 'sig', kid, alg, ...members }, null, 2)}\n`);
  return { kid, file, format: 'jwk', bits };
}

/** Refuses a kid any key of `dir` already has, published or refused: a second one would refuse both. */
async function assertKidUnused(dir: string, kid: string): Promise<void> {
  // The default alg plays no part in which kids are taken.
  const set = await scanKeysDir(dir, 'RS256');
  const holder = set.reports.find((report) => report.kid === kid);
  if (holder !== undefined) throw new KeyInvalidError(`${holder.file}: kid ${JSON.stringify(kid)} is already used`);
}

/**
 * Writes `content` to a hidden temporary file (which scans ignore), then links it into place: the key appears
 * complete or not at all, and an existing file is never replaced.
 */
async function writeExclusive(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') throw new KeyInvalidError(`${basename(path)}: already exists`, { cause: error });
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}
