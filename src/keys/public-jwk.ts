/**
 * The published form of a key: an RSA signature verification key with exactly the members `kty`, `use`, `kid`,
 * `alg`, `n` and `e`, in that order, whatever the source held. Whether a key may be published is decided by the
 * per-key rules of `src/rules/jwks.ts` ({@link jwkFindings}) run on that form, the same rules `verify` applies to
 * a served set, so type, size, use and algorithm are each judged in one place. Only what the published form
 * cannot show is checked here: RSA-PSS-restricted keys, key types without a JWK form, and `key_ops`.
 *
 * Each refusal throws a {@link KeyInvalidError} whose message is the reason, written for an operator and never
 * holding key material.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-4 | RFC 7517 §4} (JWK members)
 * @see {@link https://www.rfc-editor.org/rfc/rfc7518#section-6.3 | RFC 7518 §6.3} (RSA key parameters)
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { SuccessBody } from '../../generated/operations.js';
import type { KeyAlgorithm } from '../config.js';
import { KeyInvalidError } from '../errors.js';
import { describeFinding } from '../rules/finding.js';
import { jwkFindingsAsync } from '../rules/jwks.js';
import type { ExamineModulus } from './modulus-checks.js';

/** The JWKS body of `GET /.well-known/jwks.json` ({@link https://www.rfc-editor.org/rfc/rfc7517#section-5 | RFC 7517 §5}). */
export type Jwks = SuccessBody<'getWellKnownJwksJson'>;
/** One published key of {@link Jwks}. */
export type PublishedJwk = Jwks['keys'][number];
/** A published key whose `alg` is known to be one of the allowed algorithms. */
export type AcceptedJwk = PublishedJwk & { readonly alg: KeyAlgorithm };

/** The public members of a key: `n` and `e` for RSA; a key of another type has its `kty` only. */
export type PublicMembers = { readonly kty: unknown } & Readonly<Pick<JsonWebKey, 'n' | 'e'>>;

/** What a key's source states besides the key material. */
export interface KeyClaims {
  /** The kid as found; the kid rule decides whether it may be published. */
  readonly kid: unknown;
  /** The source's `use`; `undefined` publishes `sig`. */
  readonly use: unknown;
  /** The source's `alg`; `undefined` publishes the default (`KEYS_DEFAULT_ALG`). */
  readonly alg: unknown;
}

/** The JWK a key would be published as, before the rules have judged it. */
export type CandidateJwk = PublicMembers & KeyClaims;

/**
 * The public members of a parsed key. Only `n` and `e` are taken, so private members (`d`, `p`, `q`, `dp`, `dq`,
 * `qi`, `oth`; RFC 7518 §6.3.2) cannot leak whatever `key` is. Throws for an RSA-PSS-restricted key (OID
 * id-RSASSA-PSS), which cannot be exported as a JWK, and for a key type with no JWK form (DSA, DH).
 */
export function publicMembers(key: KeyObject): PublicMembers {
  const type = key.asymmetricKeyType;
  if (type === 'rsa-pss') {
    throw new KeyInvalidError(
      'RSA-PSS-restricted key (id-RSASSA-PSS) is not supported; convert it to a plain RSA key, which signs PS256 too',
    );
  }
  let exported: JsonWebKey;
  try {
    exported = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  } catch (error) {
    throw new KeyInvalidError(`${type === undefined ? 'non-asymmetric' : type.toUpperCase()} key: has no JWK form`, { cause: error });
  }
  return { kty: exported.kty, n: exported.n, e: exported.e };
}

/**
 * Refuses a JWK whose `key_ops` ({@link https://www.rfc-editor.org/rfc/rfc7517#section-4.3 | RFC 7517 §4.3})
 * allow neither `sign` nor `verify`: republishing it for signatures would hand clients a key its owner never
 * meant for them. `key_ops` is not published, so no rule of the served set can see it.
 */
export function checkKeyOps(keyOps: unknown): void {
  if (keyOps === undefined) return;
  if (!Array.isArray(keyOps) || !keyOps.some((op) => op === 'sign' || op === 'verify')) {
    throw new KeyInvalidError('key_ops allows neither "sign" nor "verify"');
  }
}

/**
 * The JWK a key would be published as: `{ kty, use, kid, alg, n, e }` in that order (so equal key sets serialize
 * to equal bytes), with `use` defaulting to `sig` and `alg` to `defaultAlg`. A key is pinned to one algorithm so
 * that verifiers do not take the algorithm from the token
 * ({@link https://www.rfc-editor.org/rfc/rfc8725#section-3.1 | RFC 8725 §3.1}).
 */
export function candidateJwk(members: PublicMembers, claims: KeyClaims, defaultAlg: KeyAlgorithm): CandidateJwk {
  return { kty: members.kty, use: claims.use ?? 'sig', kid: claims.kid, alg: claims.alg ?? defaultAlg, n: members.n, e: members.e };
}

/**
 * The candidate as published, when the per-key rules of `src/rules/jwks.ts` find nothing (`examine` gives the
 * verdict on the modulus, worked out off the event loop). Otherwise rejects with a {@link KeyInvalidError} listing
 * every finding with its rule id, e.g. `alg: is "HS256" (kid "k"); must be one of RS256, … (rfc8725.alg-allowed)`.
 * Resolves with `undefined` when `examine` has no verdict yet.
 */
export async function acceptJwk(candidate: CandidateJwk, examine: ExamineModulus): Promise<AcceptedJwk | undefined> {
  const findings = await jwkFindingsAsync(candidate, '', examine);
  if (findings === undefined) return undefined;
  if (findings.length > 0) throw new KeyInvalidError(findings.map((found) => `${describeFinding(found)} (${found.rule})`).join('; '));
  // The rules passed: a printable kid, kty "RSA", use "sig", an allowed alg, valid RSA n and e.
  return candidate as AcceptedJwk;
}
