/**
 * Integer arithmetic behind the RSA key rules: base64url big-endian integers (RFC 7518 §2 "Base64urlUInt"),
 * trial division by the small primes, and the perfect-power test. Every function here costs time linear or
 * low-polynomial in the size of its input, which callers bound before calling (an RSA modulus is checked only
 * once its size is within the allowed range).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-2
 */

/** A base64url integer's big-endian bytes, or `undefined` when `value` is not base64url (or empty). */
export function base64urlBytes(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  return Buffer.from(value, 'base64url');
}

/** Bit length of the big-endian unsigned integer `bytes`, leading zero octets ignored; 0 for zero. */
export function bitLength(bytes: Uint8Array): number {
  const first = bytes.findIndex((byte) => byte !== 0);
  if (first === -1) return 0;
  const lead = bytes[first] ?? 0;
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(lead));
}

/** The big-endian unsigned integer `bytes` as a bigint. */
export function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** Every prime factor of an RSA modulus must be above this bound (SP 800-89 §5.3.3 step f, as OpenSSL checks it). */
const SMALL_FACTOR_BOUND = 752;

/** The odd primes below {@link SMALL_FACTOR_BOUND}, 3 to 751: OpenSSL's `ossl_bn_get0_small_factors()` is their product. */
const SMALL_ODD_PRIMES: readonly number[] = primesBelow(SMALL_FACTOR_BOUND).slice(1);

const SMALL_PRIMES_PRODUCT = SMALL_ODD_PRIMES.reduce((product, prime) => product * BigInt(prime), 1n);

/**
 * The smallest odd prime below 752 that divides `n`, or `undefined`. One division by the product of those
 * primes (as OpenSSL's gcd does), then cheap divisions of the remainder.
 */
export function smallOddFactor(n: bigint): number | undefined {
  const remainder = n % SMALL_PRIMES_PRODUCT;
  return SMALL_ODD_PRIMES.find((prime) => remainder % BigInt(prime) === 0n);
}

/**
 * The exponent `k ≥ 2` when `n` is a perfect power `r^k`, otherwise `undefined`. Only prime `k` need be tried
 * (`r^6` is also `(r^2)^3`), and only `k` up to `log2(n) / log2(smallestFactor)`: `r` has no factor below
 * `smallestFactor` (checked first by the caller), so `r` is at least that large. Most `k` are ruled out by
 * power-residue tests modulo small primes, exact in ordinary numbers; only a `k`
 * that passes them all costs a bigint root.
 */
export function perfectPowerExponent(n: bigint, smallestFactor: number = SMALL_FACTOR_BOUND): number | undefined {
  if (n < 4n) return undefined;
  const log2n = log2(n);
  const maxExponent = Math.floor(log2n / Math.log2(smallestFactor));
  const residues = new Map<number, number>();
  const residue = (prime: number): number => {
    let value = residues.get(prime);
    if (value === undefined) {
      value = Number(n % BigInt(prime));
      residues.set(prime, value);
    }
    return value;
  };
  for (const k of primesBelow(maxExponent + 1)) {
    if (!passesPowerResidueTests(residue, k)) continue;
    if (integerRoot(n, k, log2n) ** BigInt(k) === n) return k;
  }
  return undefined;
}

/** Witnesses tried per exponent: a non-power passes each with probability about 1/k, so 8 rule out nearly all. */
const WITNESSES_PER_EXPONENT = 8;
/** Witness primes are taken below this bound, so residues and their powers stay exact in doubles. */
const WITNESS_BOUND = 1 << 17;
const WITNESS_PRIMES = primesBelow(WITNESS_BOUND);

/**
 * Whether `n` could be a `k`-th power: for primes `p ≡ 1 (mod k)`, a `k`-th power is a `k`-th power residue
 * modulo `p`, i.e. `n^((p-1)/k) ≡ 0 or 1 (mod p)`. `residue(p)` is `n mod p`.
 */
function passesPowerResidueTests(residue: (prime: number) => number, k: number): boolean {
  let tested = 0;
  for (const prime of WITNESS_PRIMES) {
    if (tested === WITNESSES_PER_EXPONENT) break;
    if (prime % k !== 1) continue;
    tested += 1;
    const value = residue(prime);
    if (value !== 0 && powMod(value, (prime - 1) / k, prime) !== 1) return false;
  }
  return true;
}

/** base^exponent mod modulus for modulus below 2^17, exact in doubles. */
function powMod(base: number, exponent: number, modulus: number): number {
  let result = 1;
  let factor = base % modulus;
  for (let rest = exponent; rest > 0; rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) result = (result * factor) % modulus;
    factor = (factor * factor) % modulus;
  }
  return result;
}

/** log2 of a positive bigint, to double precision: what floating-point estimates of roots start from. */
function log2(n: bigint): number {
  const bits = n.toString(16).length * 4;
  const shift = Math.max(0, bits - 64);
  return shift + Math.log2(Number(n >> BigInt(shift)));
}

/**
 * floor(n^(1/k)). A double estimates the root; when the root has under 40 bits the estimate is within one of
 * the answer, otherwise Newton's iteration refines it from just above, doubling the correct bits each step.
 */
function integerRoot(n: bigint, k: number, log2n: number): bigint {
  const rootBits = log2n / k;
  const K = BigInt(k);
  if (rootBits < 40) {
    let root = BigInt(Math.floor(2 ** rootBits));
    while (root > 0n && root ** K > n) root -= 1n;
    while ((root + 1n) ** K <= n) root += 1n;
    return root;
  }
  // 2^(rootBits) to 40 significant bits, rounded up by a margin far above the double's error: a start above the
  // root is what makes Newton's integer iteration decrease monotonically onto floor(n^(1/k)).
  const shift = Math.floor(rootBits) - 40;
  let x = (BigInt(Math.ceil(2 ** (rootBits - shift) * (1 + 2 ** -20))) + 1n) << BigInt(shift);
  for (;;) {
    const next = ((K - 1n) * x + n / x ** (K - 1n)) / K;
    if (next >= x) return x;
    x = next;
  }
}

/** Primes below `limit`, by the sieve of Eratosthenes. */
function primesBelow(limit: number): number[] {
  const composite = new Uint8Array(Math.max(limit, 2));
  const primes: number[] = [];
  for (let candidate = 2; candidate < limit; candidate += 1) {
    if (composite[candidate] === 1) continue;
    primes.push(candidate);
    for (let multiple = candidate * candidate; multiple < limit; multiple += candidate) composite[multiple] = 1;
  }
  return primes;
}
