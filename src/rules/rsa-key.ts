/**
 * Rules on an RSA public key (`n`, `e`): at least as strict as `openssl pkey -pubin -pubcheck` (OpenSSL 3.0's
 * `ossl_rsa_sp800_56b_check_public`), and as NIST SP 800-56B Rev. 2 requires where OpenSSL is looser. A key that
 * breaks one of them lets a token be forged or its private key be computed: with `e = 1` a signature is just the
 * padded hash, with a prime `n` anyone can derive `d`, and a factor below 2^20 is found by trial division.
 *
 * - size: 2048 ({@link https://www.rfc-editor.org/rfc/rfc7518#section-3.3 | RFC 7518 §3.3}) to 16384 bits
 *   (OpenSSL's `OPENSSL_RSA_MAX_MODULUS_BITS`; larger moduli are refused by it and cost seconds per check);
 * - `e`: odd, 65537 ≤ e < 2^256 (SP 800-56B Rev. 2 §6.2.1). OpenSSL 3.0 outside FIPS mode only asks for an odd
 *   `e > 1`, so it accepts `e = 3` and a 2400-bit `e`; this rule does not;
 * - `n`: odd, no prime factor below 2^20, neither a prime nor a perfect power (SP 800-56B Rev. 2 §6.4.2.2, which
 *   refers to SP 800-89 §5.3.3; OpenSSL checks the gcd with the product of the primes 3…751 only, and runs its
 *   enhanced Miller-Rabin test, which finds primes and prime powers).
 *
 * @see https://doi.org/10.6028/NIST.SP.800-56Br2
 * @see https://doi.org/10.6028/NIST.SP.800-89
 */
import { checkPrime, checkPrimeSync, type CheckPrimeOptions } from 'node:crypto';
import { promisify } from 'node:util';
import { finding, rfc, type Finding, type Rule } from './finding.js';
import { base64urlBytes, bitLength, perfectPowerExponent, SMALL_FACTOR_BOUND, smallFactor, toBigInt } from './integers.js';

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
      'every RSA modulus n is odd, has no prime factor below 2^20, and is neither a prime nor a perfect power (SP 800-56B Rev. 2 §6.4.2.2)',
    reference: SP_800_56B,
  },
} as const satisfies Record<string, Rule>;

/** Why a number of an allowed size is no RSA modulus: what it is, and why that is fatal. */
export interface ModulusProblem {
  readonly what: string;
  readonly why: string;
}

/**
 * The verdict on a modulus of an allowed size: its {@link ModulusProblem}, or `undefined` when it may be an RSA
 * modulus. The rules take it as a parameter so that a caller on a server's event loop can work the answer out
 * beforehand, off the main thread and once per modulus (see {@link withModulusExamined}).
 */
export type ModulusExamination = (n: bigint) => ModulusProblem | undefined;

/** A verdict worked out ahead of the rules: `{ problem }` (`undefined`: none), or `undefined` when not known yet. */
export type ModulusVerdict = { readonly problem: ModulusProblem | undefined } | undefined;

const NOT_A_PRODUCT = 'an RSA modulus is the product of two or more distinct large primes';
const PRIME: ModulusProblem = { what: 'is a prime', why: 'anyone can compute the private exponent of a prime modulus' };

/**
 * The checks of a modulus that run in this thread, cheapest first: parity, prime factors below 2^20, perfect
 * powers. Together 5 to 10 ms at 2048 bits and 70 to 130 ms at 16384 (see `smallFactor`).
 */
export function modulusStructureProblem(n: bigint): ModulusProblem | undefined {
  if (n % 2n === 0n) return { what: 'is even', why: NOT_A_PRODUCT };
  const factor = smallFactor(n);
  if (factor === 'several') return { what: `is divisible by several primes below 2^${Math.log2(SMALL_FACTOR_BOUND)}`, why: NOT_A_PRODUCT };
  if (factor !== undefined) return { what: `is divisible by ${factor}`, why: NOT_A_PRODUCT };
  const exponent = perfectPowerExponent(n);
  if (exponent !== undefined) return { what: `is a perfect power (an integer to the power ${exponent})`, why: NOT_A_PRODUCT };
  return undefined;
}

/**
 * Miller-Rabin rounds per modulus. A prime passes every round, so one round refuses every prime modulus; a
 * product of two large primes fails a round with a random base except with negligible probability, and an
 * adversarial composite that passes one is refused, which is stricter than OpenSSL, never looser. OpenSSL's
 * default for moduli above 2048 bits is 128 rounds: minutes of a thread for one 16384-bit prime.
 */
const PRIME_TEST_ROUNDS = { checks: 1 };

const checkPrimeOffThread = promisify<bigint, CheckPrimeOptions, boolean>(checkPrime);

/** The primality verdict on libuv's thread pool, per modulus: 2 to 8 ms at 2048 bits, 1.3 to 3.7 s at 16384. */
export async function primeProblemOffThread(n: bigint): Promise<ModulusProblem | undefined> {
  return (await checkPrimeOffThread(n, PRIME_TEST_ROUNDS)) ? PRIME : undefined;
}

/** The whole verdict on the calling thread (`npm run verify`, which checks a few served keys). */
export const examineModulusSync: ModulusExamination = (n) =>
  modulusStructureProblem(n) ?? (checkPrimeSync(n, PRIME_TEST_ROUNDS) ? PRIME : undefined);

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
  examine: ModulusExamination = examineModulusSync,
): Finding[] {
  return [...exponentFindings(key.e, at('e'), kid), ...modulusFindings(key.n, at('n'), kid, examine)];
}

/**
 * Runs `rules` (which examine at most one modulus) with the verdict on that modulus worked out beforehand by
 * `examine`: a first run with a stand-in verdict learns whether and which modulus is asked about, then the rules
 * run again with the real one. Resolves with `undefined` when `examine` has no verdict yet (a deadline passed).
 */
export async function withModulusExamined<T>(
  rules: (examine: ModulusExamination) => T,
  examine: (n: bigint) => Promise<ModulusVerdict>,
): Promise<T | undefined> {
  let asked: bigint | undefined;
  const result = rules((n) => {
    asked = n;
    return undefined;
  });
  if (asked === undefined) return result;
  const verdict = await examine(asked);
  if (verdict === undefined) return undefined;
  return verdict.problem === undefined ? result : rules(() => verdict.problem);
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

function modulusFindings(n: unknown, member: string, kid: string, examine: ModulusExamination): Finding[] {
  const bytes = typeof n === 'string' ? base64urlBytes(n) : undefined;
  if (bytes === undefined) return [finding(RSA_KEY_RULES.size, `is not a base64url modulus${kid}`, member)];
  const bits = bitLength(bytes);
  if (bits < MIN_RSA_BITS)
    return [finding(RSA_KEY_RULES.size, `is a ${bits}-bit modulus${kid}; at least ${MIN_RSA_BITS} bits are required`, member)];
  if (bits > MAX_RSA_BITS)
    return [finding(RSA_KEY_RULES.size, `is a ${bits}-bit modulus${kid}; at most ${MAX_RSA_BITS} bits are allowed`, member)];
  const problem = examine(toBigInt(bytes));
  if (problem === undefined) return [];
  return [finding(RSA_KEY_RULES.modulus, `${problem.what}${kid}; ${problem.why}`, member)];
}
