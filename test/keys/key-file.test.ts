import { beforeAll, describe, expect, it } from 'vitest';
import { kidFromFileName, parseKeyFile, type AcceptedKey, type KeyEntry, type RefusedKey } from '../../src/keys/key-file.js';
import {
  ecKey,
  pkcs1,
  pkcs1Public,
  pkcs8,
  privateJwk,
  privateMembersIn,
  publicJwk,
  PUBLISHED_MEMBERS,
  rsaKey,
  selfSignedCertificate,
  spki,
  type TestKey,
} from './helpers.js';

let rsa: TestKey;
let other: TestKey;
let small: TestKey;
let ec: TestKey;

beforeAll(() => {
  rsa = rsaKey();
  other = rsaKey();
  small = rsaKey(1024);
  ec = ecKey();
});

function only(entries: readonly KeyEntry[]): KeyEntry {
  expect(entries).toHaveLength(1);
  const [entry] = entries;
  if (entry === undefined) throw new Error('no entry');
  return entry;
}

function accepted(entries: readonly KeyEntry[]): AcceptedKey {
  const entry = only(entries);
  if (entry.status !== 'accepted') throw new Error(`refused: ${entry.reason}`);
  return entry;
}

function refused(entries: readonly KeyEntry[]): RefusedKey {
  const entry = only(entries);
  if (entry.status !== 'refused') throw new Error(`accepted ${entry.kid}`);
  return entry;
}

function expectPublicOf(entry: AcceptedKey, key: TestKey): void {
  const { n, e } = publicJwk(key);
  expect(entry.jwk).toEqual({ kty: 'RSA', use: 'sig', kid: entry.kid, alg: entry.alg, n, e });
  expect(Object.keys(entry.jwk)).toEqual(PUBLISHED_MEMBERS);
}

describe('parseKeyFile: accepted formats', () => {
  it.each([
    ['PKCS#8 private PEM', () => pkcs8(rsa)],
    ['PKCS#1 private PEM', () => pkcs1(rsa)],
    ['SPKI public PEM', () => spki(rsa)],
    ['PKCS#1 public PEM', () => pkcs1Public(rsa)],
    ['X.509 certificate', () => selfSignedCertificate(rsa)],
  ])('%s: publishes n and e with kid from the file name and the default alg', (_name, content) => {
    const entry = accepted(parseKeyFile('archera-oauth-2026-07.pem', content(), 'PS384'));
    expect(entry.kid).toBe('archera-oauth-2026-07');
    expect(entry.alg).toBe('PS384');
    expect(entry.bits).toBe(2048);
    expectPublicOf(entry, rsa);
  });

  it('uses the first key of a PEM bundle (key followed by its certificate)', () => {
    const entry = accepted(parseKeyFile('tls.pem', `${pkcs8(rsa)}\n${selfSignedCertificate(rsa)}`, 'RS256'));
    expectPublicOf(entry, rsa);
  });

  it('skips non-key PEM blocks before the key', () => {
    const parameters = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    expectPublicOf(accepted(parseKeyFile('k.pem', parameters + spki(rsa), 'RS256')), rsa);
  });

  it.each([
    ['private', () => privateJwk(rsa)],
    ['public', () => publicJwk(rsa)],
  ])('%s JWK without kid or alg: kid from the file name, default alg', (_name, jwk) => {
    const entry = accepted(parseKeyFile('signing.json', JSON.stringify(jwk()), 'RS512'));
    expect(entry.kid).toBe('signing');
    expect(entry.alg).toBe('RS512');
    expectPublicOf(entry, rsa);
  });

  it("JWK with kid, alg and use sig: the JWK's own kid and alg win", () => {
    const jwk = { ...privateJwk(rsa), kid: 'own-kid', alg: 'PS256', use: 'sig', key_ops: ['sign'] };
    const entry = accepted(parseKeyFile('whatever.jwk', JSON.stringify(jwk), 'RS256'));
    expect(entry.kid).toBe('own-kid');
    expect(entry.alg).toBe('PS256');
    expectPublicOf(entry, rsa);
  });

  it('JWKS: one entry per key, kids and algs from the keys', () => {
    const jwks = { keys: [{ ...privateJwk(rsa), kid: 'a', alg: 'RS384' }, { ...publicJwk(other), kid: 'b' }] };
    const entries = parseKeyFile('set.json', JSON.stringify(jwks), 'RS256');
    expect(entries.map((entry) => [entry.status, entry.kid, entry.alg, entry.index])).toEqual([
      ['accepted', 'a', 'RS384', 0],
      ['accepted', 'b', 'RS256', 1],
    ]);
  });

  it('JWKS with a single key lacking kid: kid from the file name', () => {
    expect(accepted(parseKeyFile('lone.jwks', JSON.stringify({ keys: [publicJwk(rsa)] }), 'RS256')).kid).toBe('lone');
  });

  it('JWKS with several keys lacking kid: refuses those, publishes the others', () => {
    const jwks = { keys: [publicJwk(rsa), { ...publicJwk(other), kid: 'named' }, publicJwk(other)] };
    const entries = parseKeyFile('set.json', JSON.stringify(jwks), 'RS256');
    expect(entries.map((entry) => entry.status)).toEqual(['refused', 'accepted', 'refused']);
    const first = entries[0];
    expect(first?.status === 'refused' && first.reason).toMatch(/no kid/);
  });

  it('never carries a private member, whatever the source', () => {
    const sources = [pkcs8(rsa), pkcs1(rsa), JSON.stringify(privateJwk(rsa)), JSON.stringify({ keys: [{ ...privateJwk(rsa), oth: [] }] })];
    for (const source of sources) {
      const entry = accepted(parseKeyFile('k.json', source, 'RS256'));
      expect(privateMembersIn(JSON.parse(JSON.stringify(entry.jwk)))).toEqual([]);
    }
  });
});

describe('parseKeyFile: refusals', () => {
  it.each([
    ['garbage PEM', 'k.pem', () => '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n', /unparseable PEM PRIVATE KEY/],
    ['PEM without END', 'k.pem', () => '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n', /malformed PEM/],
    ['PEM without key block', 'k.pem', () => '-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n', /no key in PEM/],
    [
      'encrypted PKCS#8 PEM',
      'k.pem',
      () => rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }).toString(),
      /encrypted PEM/,
    ],
    [
      'encrypted PKCS#1 PEM',
      'k.pem',
      () => rsa.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }).toString(),
      /encrypted PEM/,
    ],
    ['EC private PEM', 'k.pem', () => pkcs8(ec), /kty: is "EC" .*\(rfc7518\.kty-rsa\)/],
    ['EC public JWK', 'k.json', () => JSON.stringify(publicJwk(ec)), /kty: is "EC" .*\(rfc7518\.kty-rsa\)/],
    ['symmetric JWK', 'k.json', () => JSON.stringify({ kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }), /kty: is "oct"/],
    ['use enc', 'k.json', () => JSON.stringify({ ...publicJwk(rsa), use: 'enc' }), /use: is "enc"/],
    ['key_ops without sign or verify', 'k.json', () => JSON.stringify({ ...publicJwk(rsa), key_ops: ['encrypt'] }), /key_ops/],
    ['alg HS256 on an RSA key', 'k.json', () => JSON.stringify({ ...publicJwk(rsa), alg: 'HS256' }), /alg: is "HS256" .*\(rfc8725\.alg-allowed\)/],
    ['alg ES256 on an RSA key', 'k.json', () => JSON.stringify({ ...publicJwk(rsa), alg: 'ES256' }), /alg: is "ES256" .*\(rfc8725\.alg-allowed\)/],
    ['RSA JWK without n', 'k.json', () => JSON.stringify({ kty: 'RSA', e: 'AQAB' }), /without string n and e/],
    ['empty kid', 'k.json', () => JSON.stringify({ ...publicJwk(rsa), kid: '' }), /kid is not a non-empty string/],
    ['empty JWKS', 'k.json', () => '{"keys":[]}', /not a non-empty array/],
    ['text in a .pem file', 'k.pem', () => 'hello', /not a PEM, JWK or JWKS/],
    ['JSON of another kind in a .json file', 'k.json', () => '{"issuer":"x"}', /not a PEM, JWK or JWKS/],
  ])('%s', (_name, file, content, reason) => {
    expect(refused(parseKeyFile(file, content(), 'RS256')).reason).toMatch(reason);
  });

  it('RSA under 2048 bits is refused, with its kid and bits still reported', () => {
    const entry = refused(parseKeyFile('old.pem', pkcs8(small), 'RS256'));
    expect(entry).toMatchObject({ kid: 'old', bits: 1024 });
    expect(entry.reason).toMatch(/n: is a 1024-bit modulus \(kid "old"\); at least 2048 bits are required \(rfc7518\.rsa-key-size\)/);
  });

  it('invalid JSON is refused without quoting the file (it may hold a private key)', () => {
    const text = JSON.stringify(privateJwk(rsa)).slice(0, -1);
    const entry = refused(parseKeyFile('k.json', text, 'RS256'));
    expect(entry.reason).toBe('invalid JSON');
    const { d } = privateJwk(rsa);
    expect(typeof d).toBe('string');
    expect(JSON.stringify(entry)).not.toContain(String(d).slice(0, 16));
  });
});

describe('parseKeyFile: non-key files', () => {
  it.each([
    ['README.md', '# keys\n'],
    ['notes.txt', 'rotate in July'],
    ['settings.yaml', 'a: 1'],
    ['data.txt', '{"some":"json"}'],
  ])('ignores %s', (file, content) => {
    expect(parseKeyFile(file, content, 'RS256')).toEqual([]);
  });

  it('recognises keys by content whatever the name (Kubernetes secret keys often have none)', () => {
    expect(accepted(parseKeyFile('signing-key', pkcs8(rsa), 'RS256')).kid).toBe('signing-key');
  });
});

describe('kidFromFileName', () => {
  it.each([
    ['archera-oauth-2026-07.pem', 'archera-oauth-2026-07'],
    ['key.v2.json', 'key.v2'],
    ['tls.key', 'tls'],
    ['signing', 'signing'],
  ])('%s → %s', (file, kid) => {
    expect(kidFromFileName(file)).toBe(kid);
  });
});
