import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '../../src/config.js';
import { KeyInvalidError } from '../../src/errors.js';
import { examineWithoutDeadline } from '../../src/keys/modulus-checks.js';
import { acceptJwk, candidateJwk, checkKeyOps, publicMembers, type KeyClaims } from '../../src/keys/public-jwk.js';
import { isKeyAlgorithm } from '../../src/rules/jwks.js';
import { ecKey, PUBLISHED_MEMBERS, rsaKey, type TestKey } from './helpers.js';

let rsa: TestKey;
let small: TestKey;

beforeAll(() => {
  rsa = rsaKey();
  small = rsaKey(1024);
});

const claims = (overrides: Partial<KeyClaims> = {}): KeyClaims => ({ kid: 'k1', use: undefined, alg: undefined, ...overrides });
const accept = async (key: TestKey, overrides: Partial<KeyClaims> = {}, defaultAlg: KeyAlgorithm = 'RS256') => {
  const jwk = await acceptJwk(candidateJwk(publicMembers(key.privateKey), claims(overrides), defaultAlg), examineWithoutDeadline);
  if (jwk === undefined) throw new Error('no verdict on the modulus');
  return jwk;
};

describe('the published JWK', () => {
  it('from a private key: exactly kty, use, kid, alg, n, e in that order', async () => {
    const jwk = await accept(rsa, { alg: 'PS512' });
    expect(Object.keys(jwk)).toEqual(PUBLISHED_MEMBERS);
    expect(jwk).toMatchObject({ kty: 'RSA', use: 'sig', kid: 'k1', alg: 'PS512', e: 'AQAB' });
    expect(jwk.n).toBe(rsa.publicKey.export({ format: 'jwk' }).n);
  });
});

describe('acceptance by the rules of src/rules/jwks.ts', () => {
  it('publicMembers: n and e of RSA keys, kty alone for others, which the kty rule refuses', async () => {
    expect(publicMembers(rsa.publicKey)).toEqual({ kty: 'RSA', n: rsa.publicKey.export({ format: 'jwk' }).n, e: 'AQAB' });
    expect(publicMembers(ecKey().publicKey)).toMatchObject({ kty: 'EC', n: undefined, e: undefined });
    await expect(accept(ecKey())).rejects.toThrow(/kty: is "EC" .*\(rfc7518\.kty-rsa\)/);
  });

  it('publicMembers refuses RSA-PSS-restricted keys and key types without a JWK form', () => {
    expect(() => publicMembers(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey)).toThrow(/RSA-PSS-restricted/);
    expect(() => publicMembers(generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).publicKey)).toThrow(
      /DSA key: has no JWK form/,
    );
  });

  it('refuses RSA under 2048 bits', async () => {
    await expect(accept(small)).rejects.toThrow(KeyInvalidError);
    await expect(accept(small)).rejects.toThrow(/1024-bit modulus .*\(rfc7518\.rsa-key-size\)/);
    await expect(accept(rsa)).resolves.toBeDefined();
  });

  it('use: sig or none accepted; enc and other uses refused', async () => {
    expect((await accept(rsa)).use).toBe('sig');
    expect((await accept(rsa, { use: 'sig' })).use).toBe('sig');
    await expect(accept(rsa, { use: 'enc' })).rejects.toThrow(/use: is "enc"/);
    await expect(accept(rsa, { use: 'other' })).rejects.toThrow(/must be "sig" \(rfc7517\.use-sig\)/);
  });

  it('key_ops: must allow sign or verify when present', () => {
    expect(() => checkKeyOps(undefined)).not.toThrow();
    expect(() => checkKeyOps(['verify'])).not.toThrow();
    expect(() => checkKeyOps(['wrapKey'])).toThrow(/key_ops/);
  });

  it('alg: own alg, else the default; only RS*/PS*', async () => {
    expect((await accept(rsa, {}, 'RS384')).alg).toBe('RS384');
    // The RSA algorithms of RFC 7518 §3.3 and §3.5, as README's KEYS_DEFAULT_ALG lists them.
    for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const) expect((await accept(rsa, { alg })).alg).toBe(alg);
    for (const alg of ['HS256', 'ES256', 'none', 'rs256', 42])
      await expect(accept(rsa, { alg })).rejects.toThrow(/\(rfc8725\.alg-allowed\)/);
    expect(isKeyAlgorithm('PS256')).toBe(true);
    expect(isKeyAlgorithm('EdDSA')).toBe(false);
  });

  it('without a verdict on the modulus yet, neither accepts nor refuses', async () => {
    const candidate = candidateJwk(publicMembers(rsa.privateKey), claims(), 'RS256');
    expect(await acceptJwk(candidate, () => Promise.resolve(undefined))).toBeUndefined();
    // A modulus of a size the rules refuse is never examined: its key needs no verdict.
    const tooSmall = candidateJwk(publicMembers(small.privateKey), claims(), 'RS256');
    await expect(acceptJwk(tooSmall, () => Promise.resolve(undefined))).rejects.toThrow(/\(rfc7518\.rsa-key-size\)/);
  });

  it('lists every finding of a key, each with its rule', async () => {
    await expect(accept(small, { use: 'enc', alg: 'HS256' })).rejects.toThrow(
      /rfc7517\.use-sig\); .*rfc8725\.alg-allowed\); .*rfc7518\.rsa-key-size\)$/,
    );
  });
});
