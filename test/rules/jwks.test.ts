import { generateKeyPairSync, generatePrimeSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwksFindings } from '../../src/rules/jwks.js';
import { rsaModulusBits } from '../../src/rules/rsa-key.js';
import { fromBase64url, toBase64url } from '../support/keys.js';

type Jwk = Record<string, unknown>;

function exportKey(modulusLength: number, kid: string, part: 'publicKey' | 'privateKey' = 'publicKey'): Jwk {
  const pair = generateKeyPairSync('rsa', { modulusLength });
  return { ...pair[part].export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

let key2048: Jwk;
let key3072: Jwk;
let key1024: Jwk;
let privateKey: Jwk;

beforeAll(() => {
  key2048 = exportKey(2048, 'a');
  key3072 = exportKey(3072, 'b');
  key1024 = exportKey(1024, 'small');
  privateKey = exportKey(2048, 'leaky', 'privateKey');
});

const rulesOf = (jwks: unknown) => jwksFindings(jwks).map((found) => found.rule);

describe('rsaModulusBits', () => {
  it('computes the key size from n', () => {
    expect(rsaModulusBits(key2048.n as string)).toBe(2048);
    expect(rsaModulusBits(key3072.n as string)).toBe(3072);
    expect(rsaModulusBits(key1024.n as string)).toBe(1024);
  });

  it('ignores leading zero octets and counts the bits of the first one', () => {
    expect(rsaModulusBits(Buffer.from([0, 0, 0x01, 0xff]).toString('base64url'))).toBe(9);
  });

  it('refuses what is not base64url', () => {
    expect(rsaModulusBits('a+b/')).toBeUndefined();
    expect(rsaModulusBits('')).toBeUndefined();
  });
});

describe('jwksFindings', () => {
  it('accepts real 2048- and 3072-bit public keys', () => {
    expect(jwksFindings({ keys: [key2048, key3072] })).toEqual([]);
  });

  it('refuses an empty set, or no set at all', () => {
    expect(rulesOf({ keys: [] })).toEqual(['rfc7517.keys-present']);
    expect(rulesOf(null)).toEqual(['rfc7517.keys-present']);
  });

  it('refuses duplicate kids, naming the later key and the first', () => {
    const [found, ...rest] = jwksFindings({ keys: [key2048, { ...key3072, kid: 'a' }] });
    expect(rest).toEqual([]);
    expect(found).toMatchObject({ rule: 'rfc7517.kid-unique', member: 'keys[1].kid' });
    expect(found?.message).toContain('keys[0]');
  });

  it('refuses an RSA key under 2048 bits', () => {
    const [found] = jwksFindings({ keys: [key1024] });
    expect(found).toMatchObject({ rule: 'rfc7518.rsa-key-size', member: 'keys[0].n' });
    expect(found?.message).toContain('1024-bit');
  });

  it('refuses a use other than sig', () => {
    expect(rulesOf({ keys: [{ ...key2048, use: 'enc' }] })).toEqual(['rfc7517.use-sig']);
  });

  it.each(['HS256', 'none', 'ES256', undefined])('refuses the algorithm %s', (alg) => {
    expect(rulesOf({ keys: [{ ...key2048, alg }] })).toEqual(['rfc8725.alg-allowed']);
  });

  it('refuses a key type other than RSA', () => {
    expect(rulesOf({ keys: [{ ...key2048, kty: 'EC' }] })).toEqual(['rfc7518.kty-rsa']);
  });

  it('refuses an RSA key with e = 1 (a forgeable key) by the SP 800-56B rule: verify flags it on any deployment', () => {
    const [found, ...rest] = jwksFindings({ keys: [{ ...key2048, e: 'AQ' }] });
    expect(rest).toEqual([]);
    expect(found).toMatchObject({
      rule: 'sp800-56b.rsa-exponent',
      member: 'keys[0].e',
      message: expect.stringContaining('is 1 (kid "a")'),
    });
  });

  it('refuses a modulus that is even, and one that is prime', () => {
    const n = fromBase64url(key2048.n as string);
    expect(rulesOf({ keys: [{ ...key2048, n: toBase64url(n ^ 1n) }] })).toEqual(['sp800-56b.rsa-modulus']);
    expect(rulesOf({ keys: [{ ...key2048, n: toBase64url(generatePrimeSync(2048, { bigint: true })) }] })).toEqual([
      'sp800-56b.rsa-modulus',
    ]);
  });

  it('refuses a kid with control characters, quoting it escaped in every finding', () => {
    const findings = jwksFindings({ keys: [{ ...key2048, kid: 'a\u001b[31m', use: 'enc' }] });
    expect(findings.map((found) => found.rule)).toEqual(['rfc7517.kid-printable', 'rfc7517.use-sig']);
    for (const found of findings) expect(found.message).not.toContain('\u001b');
    expect(findings[1]?.message).toContain('(kid "a\\u001b[31m")');
  });

  it('refuses every private member, one finding each', () => {
    const findings = jwksFindings({ keys: [privateKey] });
    expect(findings.map((found) => found.member)).toEqual([
      'keys[0].d',
      'keys[0].p',
      'keys[0].q',
      'keys[0].dp',
      'keys[0].dq',
      'keys[0].qi',
    ]);
    expect(new Set(findings.map((found) => found.rule))).toEqual(new Set(['rfc7517.no-private-members']));
    expect(rulesOf({ keys: [{ ...key2048, k: 'secret' }] })).toEqual(['rfc7517.no-private-members']);
  });
});
