import { beforeAll, describe, expect, it } from 'vitest';
import { parseKeyFile, type AcceptedKey, type KeyEntry, type RefusedKey } from '../../src/keys/key-file.js';
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

async function only(parsed: Promise<readonly KeyEntry[]>): Promise<KeyEntry> {
  const entries = await parsed;
  expect(entries).toHaveLength(1);
  const [entry] = entries;
  if (entry === undefined) throw new Error('no entry');
  return entry;
}

async function accepted(entries: Promise<readonly KeyEntry[]>): Promise<AcceptedKey> {
  const entry = await only(entries);
  if (entry.status !== 'accepted') throw new Error(`refused: ${entry.reason}`);
  return entry;
}

async function refused(entries: Promise<readonly KeyEntry[]>): Promise<RefusedKey> {
  const entry = await only(entries);
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
  ])('%s: publishes n and e with kid from the file name and the default alg', async (_name, content) => {
    const entry = await accepted(parseKeyFile('archera-oauth-2026-07.pem', content(), 'PS384'));
    expect(entry.kid).toBe('archera-oauth-2026-07');
    expect(entry.alg).toBe('PS384');
    expect(entry.bits).toBe(2048);
    expectPublicOf(entry, rsa);
  });

  it('uses the first key of a PEM bundle (key followed by its certificate)', async () => {
    const entry = await accepted(parseKeyFile('tls.pem', `${pkcs8(rsa)}\n${selfSignedCertificate(rsa)}`, 'RS256'));
    expectPublicOf(entry, rsa);
  });

  it('skips non-key PEM blocks before the key', async () => {
    const parameters = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    expectPublicOf(await accepted(parseKeyFile('k.pem', parameters + spki(rsa), 'RS256')), rsa);
  });

  it.each([
    ['private', () => privateJwk(rsa)],
    ['public', () => publicJwk(rsa)],
  ])('%s JWK without kid or alg: kid from the file name, default alg', async (_name, jwk) => {
    const entry = await accepted(parseKeyFile('signing.json', JSON.stringify(jwk()), 'RS512'));
    expect(entry.kid).toBe('signing');
    expect(entry.alg).toBe('RS512');
    expectPublicOf(entry, rsa);
  });

  it("JWK with kid, alg and use sig: the JWK's own kid and alg win", async () => {
    const jwk = { ...privateJwk(rsa), kid: 'own-kid', alg: 'PS256', use: 'sig', key_ops: ['sign'] };
    const entry = await accepted(parseKeyFile('whatever.jwk', JSON.stringify(jwk), 'RS256'));
    expect(entry.kid).toBe('own-kid');
    expect(entry.alg).toBe('PS256');
    expectPublicOf(entry, rsa);
  });

  it('JWKS: one entry per key, kids and algs from the keys', async () => {
    const jwks = {
      keys: [
        { ...privateJwk(rsa), kid: 'a', alg: 'RS384' },
        { ...publicJwk(other), kid: 'b' },
      ],
    };
    const entries = await parseKeyFile('set.json', JSON.stringify(jwks), 'RS256');
    expect(entries.map((entry) => [entry.status, entry.kid, entry.alg, entry.index])).toEqual([
      ['accepted', 'a', 'RS384', 0],
      ['accepted', 'b', 'RS256', 1],
    ]);
  });

  it('JWKS with a single key lacking kid: kid from the file name', async () => {
    expect((await accepted(parseKeyFile('lone.jwks', JSON.stringify({ keys: [publicJwk(rsa)] }), 'RS256'))).kid).toBe('lone');
  });

  it('JWKS with several keys lacking kid: refuses those, publishes the others', async () => {
    const jwks = { keys: [publicJwk(rsa), { ...publicJwk(other), kid: 'named' }, publicJwk(other)] };
    const entries = await parseKeyFile('set.json', JSON.stringify(jwks), 'RS256');
    expect(entries.map((entry) => entry.status)).toEqual(['refused', 'accepted', 'refused']);
    const first = entries[0];
    expect(first?.status === 'refused' && first.reason).toMatch(/no kid/);
  });

  it('never carries a private member, whatever the source', async () => {
    const sources = [pkcs8(rsa), pkcs1(rsa), JSON.stringify(privateJwk(rsa)), JSON.stringify({ keys: [{ ...privateJwk(rsa), oth: [] }] })];
    for (const source of sources) {
      const entry = await accepted(parseKeyFile('k.json', source, 'RS256'));
      expect(privateMembersIn(JSON.parse(JSON.stringify(entry.jwk)))).toEqual([]);
    }
  });
});

describe('parseKeyFile: refusals', () => {
  it.each([
    ['garbage PEM', 'k.pem', () => '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n', /unparseable PEM PRIVATE KEY/],
    ['PEM without END', 'k.pem', () => '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n', /malformed PEM/],
    [
      'PEM without key block',
      'k.pem',
      () => '-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n',
      /no key in PEM/,
    ],
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
    [
      'EC private PEM',
      'k.pem',
      () => pkcs8(ec),
      /^not an RSA key: PRIVATE KEY holds an EC key \(id-ecPublicKey, OID 1\.2\.840\.10045\.2\.1\); only RSA keys are published \(rfc7518\.kty-rsa\)$/,
    ],
    ['EC public JWK', 'k.json', () => JSON.stringify(publicJwk(ec)), /kty: is "EC" .*\(rfc7518\.kty-rsa\)/],
    ['symmetric JWK', 'k.json', () => JSON.stringify({ kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }), /kty: is "oct"/],
    ['use enc', 'k.json', () => JSON.stringify({ ...publicJwk(rsa), use: 'enc' }), /use: is "enc"/],
    ['key_ops without sign or verify', 'k.json', () => JSON.stringify({ ...publicJwk(rsa), key_ops: ['encrypt'] }), /key_ops/],
    [
      'alg HS256 on an RSA key',
      'k.json',
      () => JSON.stringify({ ...publicJwk(rsa), alg: 'HS256' }),
      /alg: is "HS256" .*\(rfc8725\.alg-allowed\)/,
    ],
    [
      'alg ES256 on an RSA key',
      'k.json',
      () => JSON.stringify({ ...publicJwk(rsa), alg: 'ES256' }),
      /alg: is "ES256" .*\(rfc8725\.alg-allowed\)/,
    ],
    ['RSA JWK without n', 'k.json', () => JSON.stringify({ kty: 'RSA', e: 'AQAB' }), /without string n and e/],
    [
      'empty kid',
      'k.json',
      () => JSON.stringify({ ...publicJwk(rsa), kid: '' }),
      /^kid: is ""; must be 1 to 256 printable ASCII characters, 0x21–0x7E \(rfc7517\.kid-printable\)$/,
    ],
    ['empty JWKS', 'k.json', () => '{"keys":[]}', /not a non-empty array/],
    ['text in a .pem file', 'k.pem', () => 'hello', /not a PEM, JWK or JWKS/],
    ['JSON of another kind in a .json file', 'k.json', () => '{"issuer":"x"}', /not a PEM, JWK or JWKS/],
  ])('%s', async (_name, file, content, reason) => {
    expect((await refused(parseKeyFile(file, content(), 'RS256'))).reason).toMatch(reason);
  });

  it('RSA under 2048 bits is refused, with its kid and bits still reported', async () => {
    const entry = await refused(parseKeyFile('old.pem', pkcs8(small), 'RS256'));
    expect(entry).toMatchObject({ kid: 'old', bits: 1024 });
    expect(entry.reason).toMatch(/n: is a 1024-bit modulus \(kid "old"\); at least 2048 bits are required \(rfc7518\.rsa-key-size\)/);
  });

  it('invalid JSON is refused with its line and column, without quoting the file (it may hold a private key)', async () => {
    const text = JSON.stringify(privateJwk(rsa), null, 2).replace(/,\n {2}"e"/, '\n  "e"');
    const entry = await refused(parseKeyFile('k.json', text, 'RS256'));
    expect(entry.reason).toMatch(/^invalid JSON at line \d+, column 3: expected ',' or '}' after property value$/);
    expect(text.split('\n')[Number(/line (\d+)/.exec(entry.reason ?? '')?.[1]) - 1]).toMatch(/^ {2}"e"/);
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
  ])('ignores %s', async (file, content) => {
    expect(await parseKeyFile(file, content, 'RS256')).toEqual([]);
  });

  it('recognises keys by content whatever the name (Kubernetes secret keys often have none)', async () => {
    expect((await accepted(parseKeyFile('signing-key', pkcs8(rsa), 'RS256'))).kid).toBe('signing-key');
  });
});

describe('parseKeyFile: the kid of a PEM key is its file name without the extension', () => {
  it.each([
    ['archera-oauth-2026-07.pem', 'archera-oauth-2026-07'],
    ['key.v2.json', 'key.v2'],
    ['tls.key', 'tls'],
    ['signing', 'signing'],
  ])('%s → %s', async (file, kid) => {
    expect((await accepted(parseKeyFile(file, spki(rsa), 'RS256'))).kid).toBe(kid);
  });
});

/** Builds a string of exactly `bytes` characters (ASCII) from `unit` repeated, then `tail`. */
const upTo = (bytes: number, unit: string, tail = ''): string => unit.repeat(Math.floor((bytes - tail.length) / unit.length)) + tail;
/** The size cap docs/keys.md states for a key file: 1 MiB. */
const CAP = 1024 * 1024;

const block = (label: string): string => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;

describe('parseKeyFile: adversarial inputs up to the size cap', () => {
  // Each is parsed in linear time (scripts/bench/keys.ts prints the milliseconds); here, each gets the right refusal.
  it.each([
    ['repeated BEGIN lines', 'k.pem', () => upTo(CAP, '-----BEGIN X-----\n'), /^malformed PEM: no complete BEGIN\/END block$/],
    [
      'repeated BEGIN lines, one END at the end',
      'k.pem',
      () => upTo(CAP, '-----BEGIN X-----\n', '-----END X-----\n'),
      /^no key in PEM \(blocks: X\)$/,
    ],
    [
      'an unterminated block of megabytes of base64',
      'k.pem',
      () => `-----BEGIN PUBLIC KEY-----\n${upTo(CAP - 30, 'QUFB')}`,
      /^malformed PEM/,
    ],
    [
      'a block holding megabytes of base64',
      'k.pem',
      () => `-----BEGIN PUBLIC KEY-----\n${upTo(CAP - 60, 'QUFB')}\n-----END PUBLIC KEY-----\n`,
      /^unparseable PEM PUBLIC KEY/,
    ],
    [
      'thousands of complete non-key blocks',
      'k.pem',
      () => upTo(CAP, '-----BEGIN X-----\n-----END X-----\n'),
      /^no key in the first 100 PEM blocks \(blocks: X\)$/,
    ],
    [
      'many distinct labels',
      'k.pem',
      () => Array.from({ length: 2000 }, (_, index) => block(`L${index}`)).join(''),
      /^no key in the first 100 PEM blocks \(blocks: L0, L1, L2, L3, L4\)$/,
    ],
    [
      'a key after 100 other blocks',
      'k.pem',
      () => block('X').repeat(100) + pkcs8(rsa),
      /^no key in the first 100 PEM blocks \(blocks: X\)$/,
    ],
    [
      'deeply nested JSON',
      'k.json',
      () => `{"keys":${'['.repeat(CAP / 2 - 10)}${']'.repeat(CAP / 2 - 10)}}`,
      /^JSON nested deeper than 16 levels$/,
    ],
    [
      'a huge JWKS',
      'k.json',
      () => `{"keys":[${upTo(CAP - 20, '{"kty":"RSA"},').slice(0, -1)}]}`,
      /^JSON of more than 800 objects and arrays$/,
    ],
    [
      'a JWKS of 101 keys',
      'k.json',
      () => JSON.stringify({ keys: Array.from({ length: 101 }, () => publicJwk(rsa)) }),
      /^JWKS holds 101 keys; at most 100 are read from one file$/,
    ],
    [
      'a megabyte kid',
      'k.json',
      () => JSON.stringify({ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: upTo(CAP - 100, 'k') }),
      /kid: is "k{128}"… \(\d+ characters\)/,
    ],
    [
      'a megabyte alg and use',
      'k.json',
      () => JSON.stringify({ kty: 'RSA', n: 'AQAB', e: 'AQAB', alg: upTo(CAP / 2 - 100, 'a'), use: upTo(CAP / 2 - 100, 'u') }),
      /use: is "u{128}"… \(\d+ characters\)/,
    ],
    [
      'nested arrays as alg',
      'k.json',
      () => `{"kty":"RSA","n":"AQAB","e":"AQAB","alg":${'['.repeat(15)}${']'.repeat(15)}}`,
      /alg: is an array/,
    ],
  ])('%s', async (_name, file, content, reason) => {
    const text = content();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(CAP);
    const entries = await parseKeyFile(file, text, 'RS256');
    const first = entries[0];
    expect(first?.status === 'refused' && first.reason).toMatch(reason);
    // However large the input, what is reported stays short.
    for (const entry of entries) expect(JSON.stringify(entry).length).toBeLessThan(2000);
  });
});

describe('parseKeyFile: kid and alg as shown', () => {
  it('a refused key keeps its kid printable: control characters escaped', async () => {
    const entry = await refused(parseKeyFile('k.json', JSON.stringify({ ...publicJwk(rsa), kid: 'evil\r\n\u001b[31m' }), 'RS256'));
    expect(entry.kid).toBe('evil\\r\\n\\u001b[31m');
    expect(entry.reason).toMatch(/^kid: is "evil\\r\\n\\u001b\[31m"; .*\(rfc7517\.kid-printable\)$/);
    expect(`${entry.kid ?? ''}${entry.reason}`).not.toMatch(/[\u0000-\u001f]/);
  });

  it('a kid taken from a file name obeys the same rule', async () => {
    expect((await refused(parseKeyFile('my key.pem', pkcs8(rsa), 'RS256'))).reason).toMatch(/\(rfc7517\.kid-printable\)$/);
  });

  it('a refused non-RSA key is not shown with the default alg; an RSA one is', async () => {
    expect((await refused(parseKeyFile('ec.pem', pkcs8(ec), 'RS256'))).alg).toBeUndefined();
    expect((await refused(parseKeyFile('oct.json', JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }), 'RS256'))).alg).toBeUndefined();
    expect((await refused(parseKeyFile('small.pem', pkcs8(small), 'PS256'))).alg).toBe('PS256');
    expect((await refused(parseKeyFile('ec.json', JSON.stringify({ ...publicJwk(ec), alg: 'ES256' }), 'RS256'))).alg).toBe('ES256');
  });
});
