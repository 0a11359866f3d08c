import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

/** A fresh temporary directory. */
export function tempDir(prefix = 'wk-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
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
  const lines = spki.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
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
