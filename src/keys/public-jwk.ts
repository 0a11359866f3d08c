/**
 * The published form of a key: an RSA signature verification key with exactly the members `kty`, `use`, `kid`,
 * `alg`, `n` and `e`, in that order, whatever the source held. Every check a key must pass on its own (type,
 * size, use, algorithm) lives here; each failed check throws a {@link KeyInvalidError} whose message is the
 * refusal reason, written for an operator and never holding key material.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-4 | RFC 7517 §4} (JWK members)
 * @see {@link https://www.rfc-editor.org/rfc/rfc7518#section-6.3 | RFC 7518 §6.3} (RSA key parameters)
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SuccessBody } from '../../generated/operations.js';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../config.js';
import { KeyInvalidError } from '../errors.js';

/** The JWKS body of `GET /.well-known/jwks.json` ({@link https://www.rfc-editor.org/rfc/rfc7517#section-5 | RFC 7517 §5}). */
export type Jwks = SuccessBody<'getWellKnownJwksJson'>;
/** One published key of {@link Jwks}. */
export type PublishedJwk = Jwks['keys'][number];

/**
 * Smallest RSA modulus published: RFC 7518
 * {@link https://www.rfc-editor.org/rfc/rfc7518#section-3.3 | §3.3} and
 * {@link https://www.rfc-editor.org/rfc/rfc7518#section-3.5 | §3.5} require 2048 bits for RS* and PS*.
 */
export const MIN_RSA_BITS = 2048;

/** Whether `value` is one of the {@link KEY_ALGORITHMS} (RFC 7518 §3.1 RS256…PS512). */
export function isKeyAlgorithm(value: unknown): value is KeyAlgorithm {
  return KEY_ALGORITHMS.some((alg) => alg === value);
}

/**
 * The modulus length of an RSA key, public or private. Throws for any other key type: the contract's JWK has
 * `n` and `e` only, and RSA-PSS-restricted keys (OID id-RSASSA-PSS) cannot be exported as a JWK.
 */
export function rsaModulusBits(key: KeyObject): number {
  const type = key.asymmetricKeyType;
  if (type === 'rsa-pss') {
    throw new KeyInvalidError('RSA-PSS-restricted key (id-RSASSA-PSS) is not supported; convert it to a plain RSA key, which signs PS256 too');
  }
  if (type !== 'rsa') throw new KeyInvalidError(`${type === undefined ? 'non-asymmetric' : type.toUpperCase()} key: only RSA keys are published`);
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) throw new KeyInvalidError('RSA key without a modulus length');
  return bits;
}

/** Refuses keys under {@link MIN_RSA_BITS}. */
export function checkModulusBits(bits: number): void {
  if (bits < MIN_RSA_BITS) throw new KeyInvalidError(`RSA ${bits} bits is under the ${MIN_RSA_BITS}-bit minimum (RFC 7518 §3.3)`);
}

/**
 * Checks a JWK's `use` ({@link https://www.rfc-editor.org/rfc/rfc7517#section-4.2 | RFC 7517 §4.2}) and `key_ops`
 * ({@link https://www.rfc-editor.org/rfc/rfc7517#section-4.3 | §4.3}): the set only holds signature keys, and
 * republishing an encryption key as `sig` would hand clients a key its owner never meant for signatures.
 */
export function checkSignatureUse(use: unknown, keyOps: unknown): void {
  if (use === 'enc') throw new KeyInvalidError('use "enc": encryption keys are not published, only signature keys');
  if (use !== undefined && use !== 'sig') throw new KeyInvalidError(`use ${JSON.stringify(use)} is not "sig"`);
  if (keyOps === undefined) return;
  if (!Array.isArray(keyOps) || !keyOps.some((op) => op === 'sign' || op === 'verify')) {
    throw new KeyInvalidError('key_ops allows neither "sign" nor "verify"');
  }
}

/**
 * The `alg` to publish: the key's own, else `fallback` (`KEYS_DEFAULT_ALG`). A key is pinned to one algorithm so
 * that verifiers do not take the algorithm from the token
 * ({@link https://www.rfc-editor.org/rfc/rfc8725#section-3.1 | RFC 8725 §3.1}).
 */
export function resolveAlgorithm(alg: unknown, fallback: KeyAlgorithm): KeyAlgorithm {
  if (alg === undefined) return fallback;
  if (!isKeyAlgorithm(alg)) {
    throw new KeyInvalidError(`unsupported alg ${JSON.stringify(alg)} (allowed: ${KEY_ALGORITHMS.join(', ')})`);
  }
  return alg;
}

/**
 * The published JWK of an RSA key. Only `n` and `e` are taken from the key, so private members (`d`, `p`, `q`,
 * `dp`, `dq`, `qi`, `oth`; RFC 7518 §6.3.2) cannot leak whatever `key` is.
 */
export function publishedJwk(key: KeyObject, kid: string, alg: KeyAlgorithm): PublishedJwk {
  const { n, e } = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (n === undefined || e === undefined) throw new KeyInvalidError('RSA key without n and e');
  // Member order is fixed so that equal key sets serialize to equal bytes (ETags, two replicas).
  return { kty: 'RSA', use: 'sig', kid, alg, n, e };
}
