import { generatePrimeSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { perfectPowerExponent, smallFactor } from '../../src/rules/integers.js';
import { examineModulusSync, rsaKeyFindings, withModulusExamined, type ModulusExamination } from '../../src/rules/rsa-key.js';
import { rsaKey, rsaNumbers, toBase64url } from '../support/keys.js';

let n: bigint;
let p: bigint;
let q: bigint;

beforeAll(() => {
  ({ n, p, q } = rsaNumbers(rsaKey()));
});

const at = (member: string): string => member;
/** The findings of `n` and `e`, with the modulus examined by `examine` (default: the real examination). */
const findingsOf = (modulus: bigint, e: bigint, examine: ModulusExamination = examineModulusSync) =>
  rsaKeyFindings({ n: toBase64url(modulus), e: toBase64url(e) }, at, ' (kid "k")', examine);
const rulesOf = (modulus: bigint, e: bigint, examine: ModulusExamination = examineModulusSync) =>
  findingsOf(modulus, e, examine).map((found) => found.rule);
/** An odd number of exactly `bits` bits with no factor below 2^20 and no structure: a stand-in modulus. */
const roughOdd = (bits: number): bigint => {
  let candidate = (1n << BigInt(bits - 1)) | (p << 64n) | 1n;
  candidate &= (1n << BigInt(bits)) - 1n;
  candidate |= (1n << BigInt(bits - 1)) | 1n;
  while (smallFactor(candidate) !== undefined) candidate += 2n;
  return candidate;
};
/** The product of the odd primes 3 to 751, written out from their list. */
const TINY_PRODUCT = [
  3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139,
  149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283,
  293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421, 431, 433, 439, 443, 449, 457,
  461, 463, 467, 479, 487, 491, 499, 503, 509, 521, 523, 541, 547, 557, 563, 569, 571, 577, 587, 593, 599, 601, 607, 613, 617, 619, 631,
  641, 643, 647, 653, 659, 661, 673, 677, 683, 691, 701, 709, 719, 727, 733, 739, 743, 751,
].reduce((product, prime) => product * BigInt(prime), 1n);

/** An examination that notes it was asked and finds nothing. */
const spy = (): { asked: () => boolean; examine: ModulusExamination } => {
  let asked = false;
  return {
    asked: () => asked,
    examine: () => {
      asked = true;
      return undefined;
    },
  };
};

describe('the RSA key rules', () => {
  it('accept a real 2048-bit key with e = 65537', () => {
    expect(findingsOf(n, 65537n)).toEqual([]);
  });

  it.each([
    ['1', 1n, 'is 1'],
    ['2', 2n, 'is 2, an even number'],
    ['3', 3n, 'is 3'],
    ['4', 4n, 'is 4, an even number'],
    ['65535', 65535n, 'is 65535'],
    ['65538', 65538n, 'is 65538, an even number'],
    ['2^256 + 1', (1n << 256n) + 1n, 'is a 257-bit integer'],
    ['2^2399 + 1', (1n << 2399n) + 1n, 'is a 2400-bit integer'],
  ])('refuse e = %s by the SP 800-56B exponent rule', (_name, e, what) => {
    const [found, ...rest] = findingsOf(n, e);
    expect(rest).toEqual([]);
    expect(found).toEqual({
      rule: 'sp800-56b.rsa-exponent',
      member: 'e',
      message: `${what} (kid "k"); must be an odd integer with 65537 ≤ e < 2^256`,
    });
  });

  it('accept the exponents at the edges of the range: 65537 and 2^256 - 1', () => {
    expect(rulesOf(n, 65537n)).toEqual([]);
    expect(rulesOf(n, (1n << 256n) - 1n)).toEqual([]);
  });

  it('refuse a missing or non-base64url e', () => {
    expect(rsaKeyFindings({ n: toBase64url(n) }, at, '')[0]?.message).toMatch(/^is missing;/);
    expect(rsaKeyFindings({ n: toBase64url(n), e: 'AQ+B' }, at, '')[0]?.message).toMatch(/^is not a base64url integer;/);
  });

  it('refuse a modulus outside 2048 to 16384 bits by the size rule, without examining it', () => {
    const outside = spy();
    expect(findingsOf(roughOdd(2047), 65537n, outside.examine)).toEqual([
      { rule: 'rfc7518.rsa-key-size', member: 'n', message: 'is a 2047-bit modulus (kid "k"); at least 2048 bits are required' },
    ]);
    expect(findingsOf(roughOdd(16385), 65537n, outside.examine)).toEqual([
      { rule: 'rfc7518.rsa-key-size', member: 'n', message: 'is a 16385-bit modulus (kid "k"); at most 16384 bits are allowed' },
    ]);
    expect(outside.asked()).toBe(false);
    const inside = spy();
    expect(rulesOf(roughOdd(16384), 65537n, inside.examine)).toEqual([]);
    expect(inside.asked()).toBe(true);
    expect(rsaKeyFindings({ n: 'not base64!', e: 'AQAB' }, at, '')[0]).toMatchObject({
      rule: 'rfc7518.rsa-key-size',
      message: 'is not a base64url modulus',
    });
  });

  it.each([
    ['even', () => n ^ 1n, 'is even'],
    ['3 × m', () => 3n * ((n / 3n) | 1n), 'is divisible by 3'],
    ['3 × 5 × 7 × 11 × … × 751 × m (many small factors)', () => TINY_PRODUCT * (((n << 1100n) / TINY_PRODUCT) | 1n), 'is divisible by 3'],
    [
      '751 × a prime (751: the largest small prime OpenSSL checks)',
      () => 751n * generatePrimeSync(2040, { bigint: true }),
      'is divisible by 751',
    ],
    ['757 × a prime (passes openssl -pubcheck)', () => 757n * generatePrimeSync(2040, { bigint: true }), 'is divisible by 757'],
    [
      '1048573 × a prime (the largest prime below 2^20)',
      () => 1048573n * generatePrimeSync(2040, { bigint: true }),
      'is divisible by 1048573',
    ],
    ['757 × 761 × p × q (the smallest factor named)', () => 761n * 757n * p * q, 'is divisible by 757'],
    [
      'a product of three primes near 2^20 and p × q (past 2^53 together)',
      () => 1048573n * 1048571n * 1048559n * p * q,
      'is divisible by several primes below 2^20',
    ],
    ['p²', () => p * p, 'is a perfect power (an integer to the power 2)'],
    ['(pq)²', () => (p * q) ** 2n, 'is a perfect power (an integer to the power 2)'],
    ['a cube', () => generatePrimeSync(700, { bigint: true }) ** 3n, 'is a perfect power (an integer to the power 3)'],
  ])('refuse a modulus that is %s', (_name, modulus, what) => {
    const [found, ...rest] = findingsOf(modulus(), 65537n);
    expect(rest).toEqual([]);
    expect(found).toMatchObject({
      rule: 'sp800-56b.rsa-modulus',
      member: 'n',
      message: expect.stringMatching(new RegExp(`^${what.replace(/[()^]/g, '\\$&')} \\(kid "k"\\); `)),
    });
  });

  it('accept a product with 1048583, the smallest prime above 2^20', () => {
    expect(rulesOf(1048583n * p * q, 65537n)).toEqual([]);
  });

  it('refuse a prime modulus, whose private exponent anyone can compute', () => {
    const prime = generatePrimeSync(2048, { bigint: true });
    expect(findingsOf(prime, 65537n)).toEqual([
      {
        rule: 'sp800-56b.rsa-modulus',
        member: 'n',
        message: 'is a prime (kid "k"); anyone can compute the private exponent of a prime modulus',
      },
    ]);
  });

  it('take a verdict worked out beforehand, with the same findings; none while the verdict is not known', async () => {
    const prime = generatePrimeSync(2048, { bigint: true });
    const asked: bigint[] = [];
    const ahead = (modulus: bigint) =>
      withModulusExamined(
        (examine) => findingsOf(modulus, 65537n, examine),
        (asking) => {
          asked.push(asking);
          return Promise.resolve({ problem: examineModulusSync(asking) });
        },
      );
    expect(await ahead(prime)).toEqual(findingsOf(prime, 65537n));
    expect(await ahead(n)).toEqual([]);
    expect(await ahead(n ^ 1n)).toEqual(findingsOf(n ^ 1n, 65537n));
    expect(asked).toEqual([prime, n, n ^ 1n]);
    // A modulus of a refused size is never examined.
    expect(await ahead(n >> 100n)).toEqual(findingsOf(n >> 100n, 65537n));
    expect(asked).toHaveLength(3);
    expect(
      await withModulusExamined(
        (examine) => findingsOf(n, 65537n, examine),
        () => Promise.resolve(undefined),
      ),
    ).toBeUndefined();
  });
});

describe('integer helpers', () => {
  it('smallFactor knows every odd prime below 2^20, and none above', () => {
    // A number below 1000 is its own smallest factor exactly when it is an odd prime: 167 of them (168 primes, 2 aside).
    const found: number[] = [];
    for (let m = 3; m < 1000; m += 2) if (smallFactor(BigInt(m)) === m) found.push(m);
    expect(found[0]).toBe(3);
    expect(found.at(-1)).toBe(997);
    expect(found).toHaveLength(167);
    expect(smallFactor(1048573n)).toBe(1048573);
    expect(smallFactor(1048583n * 1048589n)).toBeUndefined();
    expect(smallFactor(1048589n * 757n * 1048583n)).toBe(757);
    expect(smallFactor(1n)).toBeUndefined();
  });

  it('perfectPowerExponent finds r^k for prime and composite k, and nothing in a product of distinct primes', () => {
    expect(perfectPowerExponent(p * q)).toBeUndefined();
    expect(perfectPowerExponent(p ** 2n)).toBe(2);
    expect(perfectPowerExponent(757n ** 200n)).toBe(2);
    // 757 is below the bound the rules check first: roots from 752 up are looked for, as before it.
    expect(perfectPowerExponent(757n ** 211n, 752)).toBe(211);
    // Roots just below and above where the floating-point estimate hands over to Newton's iteration.
    for (const root of [(1n << 39n) - 7n, (1n << 40n) + 15n, (1n << 41n) + 3n]) {
      expect(perfectPowerExponent(root ** 53n, 2)).toBe(53);
      expect(perfectPowerExponent(root ** 53n + 2n, 2)).toBeUndefined();
    }
  });
});
