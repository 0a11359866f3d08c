/**
 * Integer arithmetic behind the RSA key rules: base64url big-endian integers (RFC 7518 §2 "Base64urlUInt"),
 * small prime factors (one gcd with their product), and the perfect-power test. Every function here costs time linear or
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

/**
 * Every prime factor of an RSA modulus must be at least this large. OpenSSL's `-pubcheck` stops at 751 (the
 * product of the odd primes 3…751, SP 800-89 §5.3.3 step f); a factor of 757, or any other below 2^20, is found
 * by trial division in milliseconds, so its key is as good as published with its private half.
 */
export const SMALL_FACTOR_BOUND = 1 << 20;

/**
 * The product of the odd primes below {@link SMALL_FACTOR_BOUND} (82,024 primes; a 1.5-Mbit, 190 KB integer),
 * built on first use by a product tree: 110 to 200 ms once (sieve and tree), measured on this project's shared
 * 2-core machine; never built by a process that checks no RSA key.
 */
let smallPrimesProduct: bigint | undefined;

function productOfSmallPrimes(): bigint {
  if (smallPrimesProduct !== undefined) return smallPrimesProduct;
  let level = primesBelow(SMALL_FACTOR_BOUND)
    .slice(1)
    .map((prime) => BigInt(prime));
  // Pairwise products: every multiplication is of two numbers of about the same size, which V8 multiplies fast.
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let index = 0; index < level.length; index += 2) next.push((level[index] ?? 1n) * (level[index + 1] ?? 1n));
    level = next;
  }
  smallPrimesProduct = level[0] ?? 1n;
  return smallPrimesProduct;
}

/** Largest integer a double holds exactly: below it, a factor is found by trial division in plain numbers. */
const EXACT_IN_DOUBLES = 2n ** 53n;

/** The odd primes OpenSSL's check knows, 3 to 751 (`ossl_bn_get0_small_factors()` is their product). */
const TINY_PRIMES: readonly number[] = primesBelow(752).slice(1);
const TINY_PRIMES_PRODUCT = TINY_PRIMES.reduce((product, prime) => product * BigInt(prime), 1n);

/**
 * The smallest odd prime below 2^20 ({@link SMALL_FACTOR_BOUND}) that divides `n`; `'several'` when `n` has so
 * many such factors, all above 751, that their product passes 2^53 (naming the smallest would cost a trial
 * division of a large number); `undefined` when there is none. One remainder and one gcd with the product of those primes: per
 * modulus 5 to 9 ms at 2048 bits, 7 to 17 ms at 4096 and 65 to 130 ms at 16384 (Euclid's steps grow with the
 * size), measured on this project's 2-core machine while shared (load average 2 to 15), once per distinct modulus
 * (the key store caches the verdict).
 */
export function smallFactor(n: bigint): number | 'several' | undefined {
  const shared = gcd(n, productOfSmallPrimes() % n);
  if (shared === 1n) return undefined;
  if (shared >= EXACT_IN_DOUBLES) {
    // Many small factors: the smallest is most likely below 752, found by one division and small remainders.
    const remainder = shared % TINY_PRIMES_PRODUCT;
    return TINY_PRIMES.find((prime) => remainder % BigInt(prime) === 0n) ?? 'several';
  }
  // `shared` is a product of distinct primes below 2^20: its smallest factor is at most its square root.
  const value = Number(shared);
  for (let divisor = 3; divisor * divisor <= value; divisor += 2) if (value % divisor === 0) return divisor;
  return value;
}

/** Greatest common divisor (Euclid). */
function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a, b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
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
