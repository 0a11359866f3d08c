import { generateKeyPairSync, generatePrimeSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An RSA key pair for tests. */
export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PKCS#8 PEM of the private key. */
  readonly pem: string;
}

/** Generates an RSA key pair (2048 bits unless told otherwise). */
export function rsaKey(bits = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey, publicKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** The directories {@link tempDir} made for the test file running in this worker. */
const madeDirs: string[] = [];

/**
 * A fresh temporary directory, removed with everything in it once the test file's tests are done (the setup file
 * `test/support/cleanup.ts` calls {@link removeTempDirs}): every temporary directory of the suite comes from here.
 */
export function tempDir(prefix = 'wk-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

/** Removes every directory {@link tempDir} made so far. */
export function removeTempDirs(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A temporary keys directory holding `key` as `<kid>.pem`. */
export function keysDirWith(entries: Readonly<Record<string, TestKey>>): string {
  const dir = tempDir('wk-keys-');
  for (const [kid, key] of Object.entries(entries)) writeFileSync(join(dir, `${kid}.pem`), key.pem, { mode: 0o600 });
  return dir;
}

/** `n` as a base64url big-endian unsigned integer (RFC 7518 §2 Base64urlUInt). */
export function toBase64url(n: bigint): string {
  return unsignedBytes(n).toString('base64url');
}

/** A base64url big-endian unsigned integer as a bigint. */
export function fromBase64url(value: string): bigint {
  return BigInt(`0x${Buffer.from(value, 'base64url').toString('hex') || '0'}`);
}

/** The modulus, exponent and primes of a test key, as bigints. */
export function rsaNumbers(key: TestKey): { n: bigint; e: bigint; p: bigint; q: bigint } {
  const jwk = key.privateKey.export({ format: 'jwk' });
  return { n: fromBase64url(jwk.n ?? ''), e: fromBase64url(jwk.e ?? ''), p: fromBase64url(jwk.p ?? ''), q: fromBase64url(jwk.q ?? '') };
}

/**
 * `count` distinct moduli of about `factors` × 1024 bits, each the product of `factors` distinct 1024-bit primes
 * (at most `factors + 1` moduli): no small factor, no perfect power, so the rules test their primality, which is
 * costly for large ones. Valid-looking RSA moduli without a key generation of that size.
 */
export function costlyModuli(count: number, factors: number): bigint[] {
  const primes = Array.from({ length: factors + 1 }, () => generatePrimeSync(1024, { bigint: true }));
  return Array.from({ length: count }, (_, skip) => primes.filter((_, index) => index !== skip).reduce((n, prime) => n * prime, 1n));
}

/** A public RSA JWK of any `n` and `e`, however broken: what a forged or careless key file holds. */
export function rawRsaJwk(n: bigint, e: bigint): Record<string, string> {
  return { kty: 'RSA', n: toBase64url(n), e: toBase64url(e) };
}

/**
 * An SPKI PEM (`PUBLIC KEY`) of any `n` and `e`, DER-encoded here rather than by a crypto library, which may
 * refuse to write a broken key (RFC 5280 §4.1.2.7, RFC 8017 §A.1.1).
 */
export function rawSpkiPem(n: bigint, e: bigint): string {
  const rsaEncryption = Buffer.from('06092a864886f70d0101010500', 'hex');
  const publicKey = der(0x30, Buffer.concat([derInteger(n), derInteger(e)]));
  const spki = der(0x30, Buffer.concat([der(0x30, rsaEncryption), der(0x03, Buffer.concat([Buffer.from([0]), publicKey]))]));
  return pemOf('PUBLIC KEY', spki);
}

/** A PEM block of `label` around `body` (RFC 7468 §2: base64 in lines of 64 characters). */
export function pemOf(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A random integer of exactly `bits` bits (top bit set), odd. */
function randomOdd(bits: number): bigint {
  const bytes = randomBytes(Math.ceil(bits / 8));
  const value = BigInt(`0x${bytes.toString('hex')}`) & ((1n << BigInt(bits)) - 1n);
  return value | (1n << BigInt(bits - 1)) | 1n;
}

/**
 * A PKCS#8 `PRIVATE KEY` holding a DSA key (id-dsa, 1.2.840.10040.4.1; RFC 5208 §5, RFC 3279 §2.3.2) with a `p`
 * and `g` of `bits` bits and a `q` and `x` of half that, assembled here: OpenSSL would take hours to generate such
 * parameters, and decoding them costs it seconds (it computes `g^x mod p`).
 */
export function rawDsaPkcs8Pem(bits: number): string {
  const [p, q, g, x] = [randomOdd(bits), randomOdd(bits / 2), randomOdd(bits), randomOdd(bits / 2)];
  const parameters = der(0x30, Buffer.concat([derInteger(p), derInteger(q), derInteger(g)]));
  const algorithm = der(0x30, Buffer.concat([Buffer.from('06072a8648ce380401', 'hex'), parameters]));
  const info = der(0x30, Buffer.concat([derInteger(0n), algorithm, der(0x04, derInteger(x))]));
  return pemOf('PRIVATE KEY', info);
}

/** An SPKI `PUBLIC KEY` of the algorithm OID `oidHex` (DER contents, hex) with a placeholder key. */
export function rawSpkiOfAlgorithm(oidHex: string): string {
  const oid = der(0x06, Buffer.from(oidHex, 'hex'));
  return pemOf('PUBLIC KEY', der(0x30, Buffer.concat([der(0x30, oid), der(0x03, Buffer.from([0, 1, 2, 3]))])));
}

/** A PKCS#8 `PRIVATE KEY` of the algorithm OID `oidHex` (DER contents, hex) with a placeholder key. */
export function rawPkcs8OfAlgorithm(oidHex: string): string {
  const oid = der(0x06, Buffer.from(oidHex, 'hex'));
  return pemOf('PRIVATE KEY', der(0x30, Buffer.concat([derInteger(0n), der(0x30, oid), der(0x04, derInteger(1n))])));
}

function unsignedBytes(n: bigint): Buffer {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

function der(tag: number, body: Buffer): Buffer {
  const length =
    body.length < 0x80
      ? Buffer.from([body.length])
      : Buffer.concat([Buffer.from([0x80 | unsignedBytes(BigInt(body.length)).length]), unsignedBytes(BigInt(body.length))]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

function derInteger(n: bigint): Buffer {
  const bytes = unsignedBytes(n);
  return der(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}
