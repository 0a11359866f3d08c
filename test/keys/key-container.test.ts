/**
 * Only RSA key containers reach `node:crypto`: the algorithm is read from the DER first. Each refusal here is
 * checked to have happened without any call to `createPrivateKey`, `createPublicKey` or `X509Certificate`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseKeyFile, type KeyEntry } from '../../src/keys/key-file.js';
import { rawDsaPkcs8Pem, rawPkcs8OfAlgorithm, rawSpkiOfAlgorithm } from '../support/keys.js';
import { ecKey, pkcs1, pkcs1Public, pkcs8, rsaKey, selfSignedCertificate, spki, type TestKey } from './helpers.js';

/** Calls of node:crypto's key parsers; with `refuse` set, each call throws instead of parsing. */
const parsers = vi.hoisted(() => ({ calls: 0, refuse: false }));
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  const called = (): void => {
    parsers.calls += 1;
    if (parsers.refuse) throw new Error('a key parser of node:crypto was called');
  };
  class X509Certificate extends original.X509Certificate {
    constructor(...args: ConstructorParameters<typeof original.X509Certificate>) {
      called();
      super(...args);
    }
  }
  return {
    ...original,
    X509Certificate,
    createPrivateKey: (...args: Parameters<typeof original.createPrivateKey>) => {
      called();
      return original.createPrivateKey(...args);
    },
    createPublicKey: (...args: Parameters<typeof original.createPublicKey>) => {
      called();
      return original.createPublicKey(...args);
    },
  };
});

let rsa: TestKey;

beforeAll(() => {
  rsa = rsaKey();
});
beforeEach(() => {
  parsers.calls = 0;
  parsers.refuse = false;
});

async function only(file: string, content: string): Promise<KeyEntry> {
  const entries = await parseKeyFile(file, content, 'RS256');
  expect(entries).toHaveLength(1);
  const [entry] = entries;
  if (entry === undefined) throw new Error('no entry');
  return entry;
}

/** The refusal of `content`, which must come without a call to node:crypto's key parsers. */
async function refusedUnparsed(content: string): Promise<string> {
  parsers.refuse = true;
  const entry = await only('k.pem', content);
  expect(parsers.calls).toBe(0);
  if (entry.status !== 'refused') throw new Error(`accepted ${entry.kid}`);
  return entry.reason;
}

const NOT_RSA = (what: string): RegExp =>
  new RegExp(`^not an RSA key: ${what.replace(/[().]/g, '\\$&')}; only RSA keys are published \\(rfc7518\\.kty-rsa\\)$`);

describe('key containers of other algorithms are refused unparsed, naming the algorithm', () => {
  it('a 17 KB PKCS#8 DSA key with a 32768-bit p (seconds of createPrivateKey) never reaches node:crypto', async () => {
    const pem = rawDsaPkcs8Pem(32768);
    expect(pem.length).toBeGreaterThan(16_000);
    expect(await refusedUnparsed(pem)).toMatch(NOT_RSA('PRIVATE KEY holds a DSA key (id-dsa, OID 1.2.840.10040.4.1)'));
  });

  it.each([
    ['EC PKCS#8', () => pkcs8(ecKey()), 'PRIVATE KEY holds an EC key (id-ecPublicKey, OID 1.2.840.10045.2.1)'],
    ['EC SPKI', () => spki(ecKey()), 'PUBLIC KEY holds an EC key (id-ecPublicKey, OID 1.2.840.10045.2.1)'],
    [
      'Ed25519 PKCS#8',
      () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'PRIVATE KEY holds an Ed25519 key (Ed25519, OID 1.3.101.112)',
    ],
    [
      'X25519 SPKI',
      () => generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      'PUBLIC KEY holds an X25519 key (X25519, OID 1.3.101.110)',
    ],
    ['DH PKCS#8', () => rawPkcs8OfAlgorithm('2a864886f70d010301'), 'PRIVATE KEY holds a DH key (dhKeyAgreement, OID 1.2.840.113549.1.3.1)'],
    ['X9.42 DH SPKI', () => rawSpkiOfAlgorithm('2a8648ce3e0201'), 'PUBLIC KEY holds a DH key (dhpublicnumber, OID 1.2.840.10046.2.1)'],
    ['DSA SPKI', () => rawSpkiOfAlgorithm('2a8648ce380401'), 'PUBLIC KEY holds a DSA key (id-dsa, OID 1.2.840.10040.4.1)'],
    ['an unknown algorithm', () => rawSpkiOfAlgorithm('2a0304'), 'PUBLIC KEY holds a key of algorithm OID 1.2.3.4'],
    [
      'a certificate of an EC key',
      () => selfSignedCertificate(ecKey()),
      'CERTIFICATE holds an EC key (id-ecPublicKey, OID 1.2.840.10045.2.1)',
    ],
    [
      'a SEC1 EC PRIVATE KEY',
      () => ecKey().privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
      'a PEM EC PRIVATE KEY block is not read',
    ],
  ])('%s', async (_name, content, what) => {
    expect(await refusedUnparsed(content())).toMatch(NOT_RSA(what));
  });

  it('an encrypted PKCS#8 key is refused unparsed', async () => {
    const encrypted = rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }).toString();
    expect(await refusedUnparsed(encrypted)).toMatch(/^encrypted PEM \(ENCRYPTED PRIVATE KEY\)/);
  });

  it.each([
    [
      'a body that is not base64',
      '-----BEGIN PUBLIC KEY-----\nMII!BIjAN\n-----END PUBLIC KEY-----\n',
      /^unparseable PEM PUBLIC KEY \(its body is not base64\)$/,
    ],
    [
      'a body that is not DER',
      '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n',
      /^unparseable PEM PRIVATE KEY \(malformed DER: tag 0x6e where 0x30 belongs at byte 0\)$/,
    ],
    [
      'a truncated SPKI',
      () => spki(rsa).replace(/\n[^\n]*\n-----END/, '\n-----END'),
      /^unparseable PEM PUBLIC KEY \((malformed DER: length past its container at byte 0|its body is not base64)\)$/,
    ],
    [
      'a length of five octets',
      `-----BEGIN PUBLIC KEY-----\n${Buffer.from([0x30, 0x85, 1, 0, 0, 0, 0]).toString('base64')}\n-----END PUBLIC KEY-----\n`,
      /^unparseable PEM PUBLIC KEY \(malformed DER: invalid length at byte 0\)$/,
    ],
  ])('%s is refused unparsed', async (_name, content, reason) => {
    expect(await refusedUnparsed(typeof content === 'string' ? content : content())).toMatch(reason);
  });
});

describe('RSA key containers reach node:crypto', () => {
  it.each([
    ['PKCS#8', () => pkcs8(rsa)],
    ['PKCS#1 private', () => pkcs1(rsa)],
    ['SPKI', () => spki(rsa)],
    ['PKCS#1 public', () => pkcs1Public(rsa)],
    ['X.509 certificate', () => selfSignedCertificate(rsa)],
  ])('%s: parsed and published', async (_name, content) => {
    const entry = await only('k.pem', content());
    expect(entry.status).toBe('accepted');
    expect(parsers.calls).toBeGreaterThan(0);
  });

  it('RSASSA-PSS: parsed, then refused as a restricted key, as before', async () => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const entry = await only('k.pem', pss);
    expect(parsers.calls).toBeGreaterThan(0);
    expect(entry.status === 'refused' && entry.reason).toMatch(/^RSA-PSS-restricted key \(id-RSASSA-PSS\) is not supported/);
  });
});
