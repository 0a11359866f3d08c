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
import { errorCode, KeyInvalidError } from '../errors.js';
import { isJsonObject, jsonSyntaxProblem } from '../json-file.js';
import { printable, quote } from '../rules/finding.js';
import { rsaModulusBits } from '../rules/rsa-key.js';
import { isValidKid } from '../rules/kid.js';
import { jsonShapeProblem } from './json-shape.js';
import { rsaKeyContainer, type KeyContainer } from './key-container.js';
import { KEY_FILE_EXTENSIONS } from './key-names.js';
import { examineWithoutDeadline, type ExamineModulus } from './modulus-checks.js';
import { looksLikePem, pemBlocks } from './pem.js';
import {
  acceptJwk,
  candidateJwk,
  checkKeyOps,
  publicMembers,
  type KeyClaims,
  type PublicMembers,
  type PublishedJwk,
} from './public-jwk.js';

/** What is known of one key of a file, accepted or not; unknown members are `undefined`. */
interface KeyEntryBase {
  /** File name, relative to the keys directory. */
  readonly file: string;
  /** Position in a JWKS file's `keys`; `undefined` for single-key files. */
  readonly index: number | undefined;
  /** The kid; for a refused key, printable (control characters escaped, a long one cut: see `printable`). */
  readonly kid: string | undefined;
  /**
   * The `alg` the key would be published with, as written (so a refused `HS256` shows as such, printable); the
   * default alg only for an RSA key, since no other key would get it.
   */
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
  /** Set when the key is not judged yet: its modulus check did not finish by the deadline (see `modulus-checks.ts`). */
  readonly undecided?: true;
}

/** One key of a file. */
export type KeyEntry = AcceptedKey | RefusedKey;

/** The refusal of a whole file, e.g. one that cannot be read. */
export function refusedFile(file: string, reason: string): RefusedKey {
  return { file, index: undefined, kid: undefined, alg: undefined, bits: undefined, status: 'refused', reason };
}

/** The `kid` a key gets when its source names none: the file name without its extension. */
function kidFromFileName(file: string): string {
  return parsePath(file).name;
}

/** Most keys one JWKS file may hold; a signing key set holds a handful. More is refused as a whole. */
const MAX_KEYS_PER_FILE = 100;
/**
 * What a JWK or JWKS file may look like before it is parsed: 16 levels deep (a JWKS nests three), and room for
 * {@link MAX_KEYS_PER_FILE} keys with a few arrays each (`key_ops`, `x5c`, `oth`).
 */
const JSON_LIMITS = { maxDepth: 16, maxContainers: 8 * MAX_KEYS_PER_FILE };

/**
 * Parses one key file. Resolves with no entry for a file that is not a key file, one entry per key otherwise (a
 * JWKS may hold several). Never rejects for bad content: every problem becomes a refusal. Its cost is linear in
 * the size of `content`, except for the verdict on each RSA modulus (bounded by the size rule), which `examine`
 * works out: by default off the event loop where it can, waiting as long as it takes. A key whose verdict
 * `examine` does not give (a deadline passed) is refused as `undecided`.
 */
export async function parseKeyFile(
  file: string,
  content: Buffer | string,
  defaultAlg: KeyAlgorithm,
  examine: ExamineModulus = examineWithoutDeadline,
): Promise<readonly KeyEntry[]> {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  if (looksLikePem(text)) {
    const claims: Claims = { kid: kidFromFileName(file), alg: undefined, use: undefined, keyOps: undefined };
    return [await describeKey(file, undefined, claims, defaultAlg, () => publicMembers(loadPem(text)), examine)];
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const entries = await parseJson(file, trimmed, defaultAlg, examine);
    if (entries !== undefined) return entries;
  }
  if (KEY_FILE_EXTENSIONS.has(extname(file).toLowerCase())) return [refusedFile(file, 'not a PEM, JWK or JWKS file')];
  return [];
}

/** The facts about a key its source states besides the key material, as found (the kid may be missing or no string). */
interface Claims extends Omit<KeyClaims, 'kid'> {
  readonly kid: unknown;
  readonly keyOps: unknown;
}

/**
 * Decides one key: the checks only its source can answer (kid present, key readable, `key_ops`), then the
 * per-key rules of `src/rules/jwks.ts` on the JWK it would be published as. What was learnt before a refusal is
 * kept, so that `list` can show the kid and bits of a key refused for its alg.
 */
async function describeKey(
  file: string,
  index: number | undefined,
  claims: Claims,
  defaultAlg: KeyAlgorithm,
  load: () => PublicMembers,
  examine: ExamineModulus,
): Promise<KeyEntry> {
  let members: PublicMembers | undefined;
  let bits: number | undefined;
  try {
    if (claims.kid === undefined) throw new KeyInvalidError('no kid: a JWKS with several keys needs a kid on each key');
    members = load();
    bits = typeof members.n === 'string' ? rsaModulusBits(members.n) : undefined;
    checkKeyOps(claims.keyOps);
    const jwk = await acceptJwk(candidateJwk(members, claims, defaultAlg), examine);
    if (jwk === undefined) {
      return { ...refusedFile(file, 'RSA modulus check not finished yet'), index, kid: shown(claims.kid), bits, undecided: true };
    }
    // Unreachable once the size rule passed; it narrows `bits` for the accepted entry.
    if (bits === undefined) throw new KeyInvalidError('RSA key without a modulus');
    return { file, index, kid: jwk.kid, alg: jwk.alg, bits, status: 'accepted', jwk };
  } catch (error) {
    const alg = claims.alg !== undefined ? shown(claims.alg) : members?.kty === 'RSA' ? defaultAlg : undefined;
    return {
      file,
      index,
      kid: claims.kid === undefined ? undefined : shown(claims.kid),
      alg,
      bits,
      status: 'refused',
      reason: reasonOf(error),
    };
  }
}

/** A claimed value as `list` and the log show it: a valid kid or a plain string as it is, otherwise made printable. */
function shown(value: unknown): string {
  if (isValidKid(value)) return value;
  return typeof value === 'string' ? printable(value) : quote(value);
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

/** Labels a refusal lists at most, so a file of thousands of blocks gets a short reason. */
const MAX_LABELS_SHOWN = 5;
/** PEM blocks examined at most: a certificate chain has a handful; a file of thousands holds no key worth finding. */
const MAX_PEM_BLOCKS = 100;

/**
 * The key of the first PEM block that holds one. A certificate chain lists its leaf first, and a key bundled
 * with its certificate describes one key pair, so later blocks are not separate keys. Only an RSA key container
 * reaches OpenSSL (see `key-container.ts`).
 */
function loadPem(text: string): KeyObject {
  const labels = new Set<string>();
  let examined = 0;
  for (const block of pemBlocks(text)) {
    const { label } = block;
    examined += 1;
    if (examined > MAX_PEM_BLOCKS)
      throw new KeyInvalidError(`no key in the first ${MAX_PEM_BLOCKS} PEM blocks (blocks: ${[...labels].join(', ')})`);
    if (labels.size < MAX_LABELS_SHOWN) labels.add(label);
    // Only a legacy PKCS#1 private key carries encryption headers in its body.
    if (label.includes('ENCRYPTED') || (label.endsWith('PRIVATE KEY') && block.body.includes('Proc-Type: 4,ENCRYPTED'))) {
      throw new KeyInvalidError(`encrypted PEM (${label}): the service holds no passphrase; store the key decrypted with mode 0600`);
    }
    const container = rsaKeyContainer(block);
    if (container === undefined) continue;
    try {
      return loadContainer(container);
    } catch (error) {
      throw new KeyInvalidError(`unparseable PEM ${label}${codeSuffix(error)}`, { cause: error });
    }
  }
  throw new KeyInvalidError(
    labels.size === 0 ? 'malformed PEM: no complete BEGIN/END block' : `no key in PEM (blocks: ${[...labels].join(', ')})`,
  );
}

/** The key of an RSA container, from the very bytes `rsaKeyContainer` checked. */
function loadContainer(container: KeyContainer): KeyObject {
  const { der } = container;
  switch (container.kind) {
    case 'certificate':
      return new X509Certificate(der).publicKey;
    case 'private':
      return createPrivateKey({ key: der, format: 'der', type: container.type });
    case 'public':
      return createPublicKey({ key: der, format: 'der', type: container.type });
  }
}

/** The entries of a JWK or JWKS file; `undefined` when the text is JSON of another kind. */
async function parseJson(
  file: string,
  text: string,
  defaultAlg: KeyAlgorithm,
  examine: ExamineModulus,
): Promise<readonly KeyEntry[] | undefined> {
  const shape = jsonShapeProblem(text, JSON_LIMITS);
  if (shape !== undefined) return [refusedFile(file, shape)];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Located by line and column, quoting nothing: the file may hold a private key.
    return [refusedFile(file, jsonSyntaxProblem(error, text))];
  }
  if (!isJsonObject(value)) return undefined;
  if ('kty' in value) return [await parseJwk(file, undefined, value, kidFromFileName(file), defaultAlg, examine)];
  if (!('keys' in value)) return undefined;
  const keys = value.keys;
  if (!Array.isArray(keys) || keys.length === 0) return [refusedFile(file, 'JWKS "keys" is not a non-empty array')];
  if (keys.length > MAX_KEYS_PER_FILE)
    return [refusedFile(file, `JWKS holds ${keys.length} keys; at most ${MAX_KEYS_PER_FILE} are read from one file`)];
  // Only a lone key may borrow the file's name: with several, a shared kid would refuse them all as duplicates.
  const fallbackKid = keys.length === 1 ? kidFromFileName(file) : undefined;
  const entries: KeyEntry[] = [];
  for (const [index, key] of keys.entries()) {
    entries.push(
      isJsonObject(key)
        ? await parseJwk(file, index, key, fallbackKid, defaultAlg, examine)
        : { ...refusedFile(file, 'JWKS entry is not a JSON object'), index },
    );
  }
  return entries;
}

function parseJwk(
  file: string,
  index: number | undefined,
  jwk: Readonly<Record<string, unknown>>,
  fallbackKid: string | undefined,
  defaultAlg: KeyAlgorithm,
  examine: ExamineModulus,
): Promise<KeyEntry> {
  const claims: Claims = { kid: jwk.kid ?? fallbackKid, alg: jwk.alg, use: jwk.use, keyOps: jwk.key_ops };
  return describeKey(file, index, claims, defaultAlg, () => loadJwk(jwk), examine);
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
