/**
 * Rules on an RSA public key (`n`, `e`): at least as strict as `openssl pkey -pubin -pubcheck` (OpenSSL 3.0's
 * `ossl_rsa_sp800_56b_check_public`), and as NIST SP 800-56B Rev. 2 requires where OpenSSL is looser. A key that
 * breaks one of them lets a token be forged or its private key be computed: with `e = 1` a signature is just the
 * padded hash, with a prime `n` anyone can derive `d`.
 *
 * - size: 2048 ({@link https://www.rfc-editor.org/rfc/rfc7518#section-3.3 | RFC 7518 §3.3}) to 16384 bits
 *   (OpenSSL's `OPENSSL_RSA_MAX_MODULUS_BITS`; larger moduli are refused by it and cost seconds per check);
 * - `e`: odd, 65537 ≤ e < 2^256 (SP 800-56B Rev. 2 §6.2.1). OpenSSL 3.0 outside FIPS mode only asks for an odd
 *   `e > 1`, so it accepts `e = 3` and a 2400-bit `e`; this rule does not;
 * - `n`: odd, no prime factor below 752, neither a prime nor a perfect power (SP 800-56B Rev. 2 §6.4.2.2, which
 *   refers to SP 800-89 §5.3.3; OpenSSL checks the gcd with the product of the primes 3…751 and runs its enhanced
 *   Miller-Rabin test, which finds primes and prime powers).
 *
 * @see https://doi.org/10.6028/NIST.SP.800-56Br2
 * @see https://doi.org/10.6028/NIST.SP.800-89
 */
import { checkPrime, checkPrimeSync } from 'node:crypto';
import { promisify } from 'node:util';
import { finding, rfc, type Finding, type Rule } from './finding.js';
import { base64urlBytes, bitLength, perfectPowerExponent, smallOddFactor, toBigInt } from './integers.js';

/** Smallest RSA modulus allowed, for RS* and PS* alike (RFC 7518 §3.3 and §3.5). */
export const MIN_RSA_BITS = 2048;
/** Largest RSA modulus allowed: OpenSSL's `OPENSSL_RSA_MAX_MODULUS_BITS`, beyond which `-pubcheck` refuses a key. */
export const MAX_RSA_BITS = 16384;
/** Smallest public exponent SP 800-56B allows (2^16 + 1). */
const MIN_RSA_EXPONENT = 65537n;
/** Public exponents must have fewer bits than this (SP 800-56B: e < 2^256). */
const EXPONENT_BITS_LIMIT = 256;

const SP_800_56B = 'https://doi.org/10.6028/NIST.SP.800-56Br2';

/** The RSA public-key rules, by short name. */
export const RSA_KEY_RULES = {
  size: {
    id: 'rfc7518.rsa-key-size',
    summary: `every RSA modulus has ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits`,
    reference: rfc(7518, '3.3'),
  },
  exponent: {
    id: 'sp800-56b.rsa-exponent',
    summary: 'every RSA public exponent e is odd, with 65537 ≤ e < 2^256 (SP 800-56B Rev. 2 §6.2.1)',
    reference: SP_800_56B,
  },
  modulus: {
    id: 'sp800-56b.rsa-modulus',
    summary:
      'every RSA modulus n is odd, has no prime factor below 752, and is neither a prime nor a perfect power (SP 800-56B Rev. 2 §6.4.2.2)',
    reference: SP_800_56B,
  },
} as const satisfies Record<string, Rule>;

/**
 * Answers whether `n` is (probably) prime. The rules take it as a parameter so that a caller on a server's event
 * loop can get the answer off the main thread first (see {@link rsaKeyFindingsAsync}): for a 16384-bit modulus
 * one Miller-Rabin round takes seconds.
 */
export type PrimeTest = (n: bigint) => boolean;

/** OpenSSL's Miller-Rabin test (`BN_check_prime`, with trial division), on the calling thread. */
export const primeTestSync: PrimeTest = (n) => checkPrimeSync(n);

const checkPrimeAsync = promisify(checkPrime);

/** Bit length of a base64url RSA modulus `n`, leading zero octets ignored; `undefined` when `n` is not base64url. */
export function rsaModulusBits(n: string): number | undefined {
  const bytes = base64urlBytes(n);
  return bytes === undefined ? undefined : bitLength(bytes);
}

/**
 * Every way the RSA members `n` and `e` of `key` break the {@link RSA_KEY_RULES}. `at` names a member in the
 * findings (`keys[0].n`), `kid` is appended to each message (e.g. ` (kid "k")`, already printable). The modulus
 * structure is examined only when its size is allowed, so a 1.6-Mbit `n` costs a length check.
 */
export function rsaKeyFindings(
  key: { readonly n?: unknown; readonly e?: unknown },
  at: (member: string) => string,
  kid: string,
  isPrime: PrimeTest = primeTestSync,
): Finding[] {
  return [...exponentFindings(key.e, at('e'), kid), ...modulusFindings(key.n, at('n'), kid, isPrime)];
}

/**
 * Runs `rules` (which test at most one modulus for primality) with that test on libuv's thread pool, so the
 * event loop never waits on it: a first run with the test answering "not prime" learns whether and on which
 * modulus it is asked; only a prime answer (an invalid key) costs a second run.
 */
export async function withPrimeTestOffThread<T>(rules: (isPrime: PrimeTest) => T): Promise<T> {
  let asked: bigint | undefined;
  const result = rules((n) => {
    asked = n;
    return false;
  });
  if (asked === undefined || !(await checkPrimeAsync(asked))) return result;
  return rules(() => true);
}

function exponentFindings(e: unknown, member: string, kid: string): Finding[] {
  const refuse = (what: string): Finding[] => [
    finding(RSA_KEY_RULES.exponent, `${what}${kid}; must be an odd integer with 65537 ≤ e < 2^256`, member),
  ];
  if (e === undefined) return refuse('is missing');
  const bytes = typeof e === 'string' ? base64urlBytes(e) : undefined;
  if (bytes === undefined) return refuse('is not a base64url integer');
  const bits = bitLength(bytes);
  if (bits > EXPONENT_BITS_LIMIT) return refuse(`is a ${bits}-bit integer`);
  const value = toBigInt(bytes);
  if (value % 2n === 0n) return refuse(`is ${value}, an even number`);
  if (value < MIN_RSA_EXPONENT) return refuse(`is ${value}`);
  return [];
}

function modulusFindings(n: unknown, member: string, kid: string, isPrime: PrimeTest): Finding[] {
  const bytes = typeof n === 'string' ? base64urlBytes(n) : undefined;
  if (bytes === undefined) return [finding(RSA_KEY_RULES.size, `is not a base64url modulus${kid}`, member)];
  const bits = bitLength(bytes);
  if (bits < MIN_RSA_BITS)
    return [finding(RSA_KEY_RULES.size, `is a ${bits}-bit modulus${kid}; at least ${MIN_RSA_BITS} bits are required`, member)];
  if (bits > MAX_RSA_BITS)
    return [finding(RSA_KEY_RULES.size, `is a ${bits}-bit modulus${kid}; at most ${MAX_RSA_BITS} bits are allowed`, member)];
  const problem = modulusProblem(toBigInt(bytes), isPrime);
  if (problem === undefined) return [];
  return [finding(RSA_KEY_RULES.modulus, `${problem.what}${kid}; ${problem.why}`, member)];
}

const NOT_A_PRODUCT = 'an RSA modulus is the product of two or more distinct large primes';

/** Why `n` (of an allowed size) is no RSA modulus, cheapest test first; `undefined` when it may be one. */
function modulusProblem(n: bigint, isPrime: PrimeTest): { readonly what: string; readonly why: string } | undefined {
  if (n % 2n === 0n) return { what: 'is even', why: NOT_A_PRODUCT };
  const factor = smallOddFactor(n);
  if (factor !== undefined) return { what: `is divisible by ${factor}`, why: NOT_A_PRODUCT };
  const exponent = perfectPowerExponent(n);
  if (exponent !== undefined) return { what: `is a perfect power (an integer to the power ${exponent})`, why: NOT_A_PRODUCT };
  if (isPrime(n)) return { what: 'is a prime', why: 'anyone can compute the private exponent of a prime modulus' };
  return undefined;
}
