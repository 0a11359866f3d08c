/**
 * The one parser of key files, used by the key store, the dev key and the `keys` CLI: a file's name and bytes
 * become its keys, each accepted (with its published JWK) or refused (with a reason). A file that is not a key
 * file yields no entry.
 *
 * Accepted: PEM (PKCS#8 or PKCS#1 RSA private key, SPKI or PKCS#1 public key, X.509 certificate), a JWK
 * ({@link https://www.rfc-editor.org/rfc/rfc7517#section-4 | RFC 7517 §4}) and a JWKS
 * ({@link https://www.rfc-editor.org/rfc/rfc7517#section-5 | RFC 7517 §5}), private or public.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { extname, parse as parsePath } from 'node:path';
import type { KeyAlgorithm } from '../config.js';
import { KeyInvalidError } from '../errors.js';
import { rsaModulusBits } from '../rules/jwks.js';
import { errorCode } from './key-errors.js';
import { acceptJwk, candidateJwk, checkKeyOps, publicMembers, type KeyClaims, type PublicMembers, type PublishedJwk } from './public-jwk.js';
import { isJsonObject } from '../json-file.js';

/**
 * Extensions that mark a file as meant to be a key: such a file whose content is no PEM, JWK or JWKS is refused
 * (and so reported) rather than ignored.
 */
export const KEY_FILE_EXTENSIONS: ReadonlySet<string> = new Set(['.pem', '.key', '.crt', '.cer', '.pub', '.json', '.jwk', '.jwks']);

/** What is known of one key of a file, accepted or not; unknown members are `undefined`. */
interface KeyEntryBase {
  /** File name, relative to the keys directory. */
  readonly file: string;
  /** Position in a JWKS file's `keys`; `undefined` for single-key files. */
  readonly index: number | undefined;
  readonly kid: string | undefined;
  /** The `alg` the key would be published with, as written (so a refused `HS256` shows as such). */
  readonly alg: string | undefined;
  readonly bits: number | undefined;
}

/** A key that passed every check of its own; the key set may still refuse it (duplicate kid). */
export interface AcceptedKey extends KeyEntryBase {
  readonly status: 'accepted';
  readonly kid: string;
  readonly alg: KeyAlgorithm;
  readonly bits: number;
  readonly jwk: PublishedJwk;
}

/** A key refused on its own; `reason` never holds key material. */
export interface RefusedKey extends KeyEntryBase {
  readonly status: 'refused';
  readonly reason: string;
}

/** One key of a file. */
export type KeyEntry = AcceptedKey | RefusedKey;

/** The refusal of a whole file, e.g. one that cannot be read. */
export function refusedFile(file: string, reason: string): RefusedKey {
  return { file, index: undefined, kid: undefined, alg: undefined, bits: undefined, status: 'refused', reason };
}

/** The `kid` a key gets when its source names none: the file name without its extension. */
export function kidFromFileName(file: string): string {
  return parsePath(file).name;
}

/**
 * Parses one key file. Returns no entry for a file that is not a key file, one entry per key otherwise (a JWKS
 * may hold several). Never throws for bad content: every problem becomes a refusal.
 */
export function parseKeyFile(file: string, content: Buffer | string, defaultAlg: KeyAlgorithm): readonly KeyEntry[] {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  const pemLabel = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  if (pemLabel !== undefined) return [parsePem(file, text, defaultAlg)];
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const entries = parseJson(file, trimmed, defaultAlg);
    if (entries !== undefined) return entries;
  }
  if (KEY_FILE_EXTENSIONS.has(extname(file).toLowerCase())) return [refusedFile(file, 'not a PEM, JWK or JWKS file')];
  return [];
}

/** The facts about a key its source states besides the key material; the kid may still be missing. */
interface Claims extends Omit<KeyClaims, 'kid'> {
  readonly kid: string | undefined;
  readonly keyOps: unknown;
}

/**
 * Decides one key: the checks only its source can answer (kid present, key readable, `key_ops`), then the
 * per-key rules of `src/rules/jwks.ts` on the JWK it would be published as. What was learnt before a refusal is
 * kept, so that `list` can show the kid and bits of a key refused for its alg.
 */
function describeKey(file: string, index: number | undefined, claims: Claims, defaultAlg: KeyAlgorithm, load: () => PublicMembers): KeyEntry {
  const alg = claims.alg === undefined ? defaultAlg : typeof claims.alg === 'string' ? claims.alg : JSON.stringify(claims.alg);
  let bits: number | undefined;
  try {
    if (claims.kid === undefined) throw new KeyInvalidError('no kid: a JWKS with several keys needs a kid on each key');
    const members = load();
    bits = members.n === undefined ? undefined : rsaModulusBits(members.n);
    checkKeyOps(claims.keyOps);
    const jwk = acceptJwk(candidateJwk(members, { ...claims, kid: claims.kid }, defaultAlg));
    // Unreachable once the size rule passed; it narrows `bits` for the accepted entry.
    if (bits === undefined) throw new KeyInvalidError('RSA key without a modulus');
    return { file, index, kid: jwk.kid, alg: jwk.alg, bits, status: 'accepted', jwk };
  } catch (error) {
    return { file, index, kid: claims.kid, alg, bits, status: 'refused', reason: reasonOf(error) };
  }
}

/**
 * The reason of a refusal. Only our own messages are used verbatim; other errors are reduced to their code,
 * because some carry input text (JSON.parse quotes the source, which may be a private key).
 */
function reasonOf(error: unknown): string {
  if (error instanceof KeyInvalidError) return error.message;
  return `unreadable key${codeSuffix(error)}`;
}

function codeSuffix(error: unknown): string {
  const code = errorCode(error);
  return code === undefined ? '' : ` (${code})`;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function parsePem(file: string, text: string, defaultAlg: KeyAlgorithm): KeyEntry {
  const claims: Claims = { kid: kidFromFileName(file), alg: undefined, use: undefined, keyOps: undefined };
  return describeKey(file, undefined, claims, defaultAlg, () => publicMembers(loadPem(text)));
}

/**
 * The key of the first PEM block that holds one. A certificate chain lists its leaf first, and a key bundled
 * with its certificate describes one key pair, so later blocks are not separate keys.
 */
function loadPem(text: string): KeyObject {
  const labels: string[] = [];
  for (const [block, label = '', body = ''] of text.matchAll(PEM_BLOCK)) {
    labels.push(label);
    if (label.includes('ENCRYPTED') || body.includes('Proc-Type: 4,ENCRYPTED')) {
      throw new KeyInvalidError(`encrypted PEM (${label}): the service holds no passphrase; store the key decrypted with mode 0600`);
    }
    try {
      if (label === 'CERTIFICATE') return new X509Certificate(block).publicKey;
      if (label.endsWith('PRIVATE KEY')) return createPrivateKey(block);
      if (label.endsWith('PUBLIC KEY')) return createPublicKey(block);
    } catch (error) {
      throw new KeyInvalidError(`unparseable PEM ${label}${codeSuffix(error)}`, { cause: error });
    }
  }
  throw new KeyInvalidError(labels.length === 0 ? 'malformed PEM: no complete BEGIN/END block' : `no key in PEM (blocks: ${labels.join(', ')})`);
}

/** The entries of a JWK or JWKS file; `undefined` when the text is JSON of another kind. */
function parseJson(file: string, text: string, defaultAlg: KeyAlgorithm): readonly KeyEntry[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [refusedFile(file, 'invalid JSON')];
  }
  if (!isJsonObject(value)) return undefined;
  if ('kty' in value) return [parseJwk(file, undefined, value, kidFromFileName(file), defaultAlg)];
  if (!('keys' in value)) return undefined;
  const keys = value.keys;
  if (!Array.isArray(keys) || keys.length === 0) return [refusedFile(file, 'JWKS "keys" is not a non-empty array')];
  // Only a lone key may borrow the file's name: with several, a shared kid would refuse them all as duplicates.
  const fallbackKid = keys.length === 1 ? kidFromFileName(file) : undefined;
  return keys.map((key: unknown, index) =>
    isJsonObject(key) ? parseJwk(file, index, key, fallbackKid, defaultAlg) : { ...refusedFile(file, 'JWKS entry is not a JSON object'), index },
  );
}

function parseJwk(file: string, index: number | undefined, jwk: Readonly<Record<string, unknown>>, fallbackKid: string | undefined, defaultAlg: KeyAlgorithm): KeyEntry {
  const kid = jwk.kid === undefined ? fallbackKid : jwk.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) {
    return { ...refusedFile(file, 'kid is not a non-empty string'), index };
  }
  const claims: Claims = { kid, alg: jwk.alg, use: jwk.use, keyOps: jwk.key_ops };
  return describeKey(file, index, claims, defaultAlg, () => loadJwk(jwk));
}

/**
 * The public members of a JWK. An RSA JWK is imported from its `n` and `e` only (so private members play no
 * part) and must be a valid key; a JWK of another type keeps its `kty` alone, for the kty rule to refuse.
 */
function loadJwk(jwk: Readonly<Record<string, unknown>>): PublicMembers {
  if (jwk.kty !== 'RSA') return { kty: jwk.kty };
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new KeyInvalidError('RSA JWK without string n and e');
  const key: JsonWebKey = { kty: 'RSA', n: jwk.n, e: jwk.e };
  let imported: KeyObject;
  try {
    imported = createPublicKey({ key, format: 'jwk' });
  } catch (error) {
    throw new KeyInvalidError(`invalid RSA JWK${codeSuffix(error)}`, { cause: error });
  }
  return publicMembers(imported);
}
