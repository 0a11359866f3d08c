import { beforeAll, describe, expect, it } from 'vitest';
import { KEY_ALGORITHMS } from '../../src/config.js';
import { KeyInvalidError } from '../../src/errors.js';
import { checkModulusBits, checkSignatureUse, isKeyAlgorithm, publishedJwk, resolveAlgorithm, rsaModulusBits } from '../../src/keys/public-jwk.js';
import { ecKey, PUBLISHED_MEMBERS, rsaKey, type TestKey } from './helpers.js';

let rsa: TestKey;

beforeAll(() => {
  rsa = rsaKey();
});

describe('publishedJwk', () => {
  it('from a private key: exactly kty, use, kid, alg, n, e in that order', () => {
    const jwk = publishedJwk(rsa.privateKey, 'k1', 'PS512');
    expect(Object.keys(jwk)).toEqual(PUBLISHED_MEMBERS);
    expect(jwk).toMatchObject({ kty: 'RSA', use: 'sig', kid: 'k1', alg: 'PS512', e: 'AQAB' });
    expect(jwk.n).toBe(rsa.publicKey.export({ format: 'jwk' }).n);
  });
});

describe('checks', () => {
  it('rsaModulusBits: bits of RSA keys, refusal of others', () => {
    expect(rsaModulusBits(rsa.publicKey)).toBe(2048);
    expect(() => rsaModulusBits(ecKey().publicKey)).toThrow(/EC key/);
  });

  it('checkModulusBits refuses under 2048', () => {
    expect(() => checkModulusBits(2047)).toThrow(KeyInvalidError);
    expect(() => checkModulusBits(2048)).not.toThrow();
  });

  it('checkSignatureUse accepts sig or none, refuses enc and other uses', () => {
    expect(() => checkSignatureUse(undefined, undefined)).not.toThrow();
    expect(() => checkSignatureUse('sig', ['verify'])).not.toThrow();
    expect(() => checkSignatureUse('enc', undefined)).toThrow(/use "enc"/);
    expect(() => checkSignatureUse('other', undefined)).toThrow(/is not "sig"/);
    expect(() => checkSignatureUse(undefined, ['wrapKey'])).toThrow(/key_ops/);
  });

  it('resolveAlgorithm: own alg, else the default; only RS*/PS*', () => {
    expect(resolveAlgorithm(undefined, 'RS384')).toBe('RS384');
    for (const alg of KEY_ALGORITHMS) expect(resolveAlgorithm(alg, 'RS256')).toBe(alg);
    for (const alg of ['HS256', 'ES256', 'none', 'rs256', 42]) expect(() => resolveAlgorithm(alg, 'RS256')).toThrow(/unsupported alg/);
    expect(isKeyAlgorithm('PS256')).toBe(true);
    expect(isKeyAlgorithm('EdDSA')).toBe(false);
  });
});
