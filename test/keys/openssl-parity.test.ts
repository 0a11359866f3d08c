/**
 * Parity with `openssl pkey -pubin -pubcheck`: a corpus of broken RSA public keys, each written as an SPKI PEM
 * and as a JWK, goes through openssl and through the key file parser. Every key openssl refuses must be refused
 * by us; where openssl 3.0 is looser than SP 800-56B (e = 3, a huge odd e), the exponent rule refuses.
 */
import { execFile } from 'node:child_process';
import { generatePrimeSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseKeyFile, type KeyEntry } from '../../src/keys/key-file.js';
import { rawRsaJwk, rawSpkiPem, rsaKey, rsaNumbers, tempDir } from '../support/keys.js';

const run = promisify(execFile);
const work = tempDir('wk-pubcheck-');

interface Case {
  readonly name: string;
  readonly n: bigint;
  readonly e: bigint;
}

let corpus: Case[];
let valid: Case;

beforeAll(() => {
  // Two real keys, and variants derived from them: generating broken keys needs no key generation.
  const { n, p } = rsaNumbers(rsaKey());
  const small = rsaNumbers(rsaKey(1024));
  valid = { name: 'valid', n, e: 65537n };
  corpus = [
    { name: 'e = 1', n, e: 1n },
    { name: 'e = 2', n, e: 2n },
    { name: 'even e = 65538', n, e: 65538n },
    { name: 'e = 3', n, e: 3n },
    { name: 'odd e = 2^256 + 1', n, e: (1n << 256n) + 1n },
    { name: 'odd 2400-bit e', n, e: (1n << 2399n) + 1n },
    { name: 'even n', n: n ^ 1n, e: 65537n },
    { name: 'n = 3 × m', n: 3n * ((n / 3n) | 1n), e: 65537n },
    { name: 'n = 751 × prime', n: 751n * generatePrimeSync(2040, { bigint: true }), e: 65537n },
    { name: 'prime n', n: generatePrimeSync(2048, { bigint: true }), e: 65537n },
    { name: 'n = p^2', n: p * p, e: 65537n },
    { name: '16,400-bit n', n: (n << 14352n) | 1n, e: 65537n },
    { name: '1024-bit n', n: small.n, e: 65537n },
    { name: '1.6-Mbit n', n: (1n << 1_600_000n) | (n << 100n) | 1n, e: 65537n },
  ];
});

/** Whether openssl's public key check accepts the key. */
async function opensslAccepts(pem: string, name: string): Promise<boolean> {
  const file = join(work, `${name.replace(/[^a-z0-9]+/gi, '_')}.pem`);
  writeFileSync(file, pem);
  return run('openssl', ['pkey', '-pubin', '-in', file, '-pubcheck', '-noout']).then(
    () => true,
    () => false,
  );
}

/** The only entry of a key file. */
async function entryOf(file: string, content: string): Promise<KeyEntry> {
  const entries = await parseKeyFile(file, content, 'RS256');
  expect(entries).toHaveLength(1);
  const [entry] = entries;
  if (entry === undefined) throw new Error('no entry');
  return entry;
}

describe('openssl pkey -pubin -pubcheck parity', () => {
  it('the harness: openssl and the parser both accept a real key', async () => {
    const pem = rawSpkiPem(valid.n, valid.e);
    expect(await opensslAccepts(pem, valid.name)).toBe(true);
    expect((await entryOf('valid.pem', pem)).status).toBe('accepted');
    expect((await entryOf('valid.json', JSON.stringify(rawRsaJwk(valid.n, valid.e)))).status).toBe('accepted');
  });

  it('every key openssl refuses is refused by the parser, as a PEM and as a JWK', async () => {
    const refusedByOpenssl: string[] = [];
    for (const { name, n, e } of corpus) {
      const pem = rawSpkiPem(n, e);
      if (await opensslAccepts(pem, name)) continue;
      refusedByOpenssl.push(name);
      for (const [file, content] of [
        ['k.pem', pem],
        ['k.json', JSON.stringify(rawRsaJwk(n, e))],
      ] as const) {
        expect((await entryOf(file, content)).status, `${name} (${file})`).toBe('refused');
      }
    }
    // The corpus exercises openssl's refusals: exponent, modulus parity, small factor, primality, prime power, size.
    expect(refusedByOpenssl).toEqual(
      expect.arrayContaining(['e = 1', 'e = 2', 'even e = 65538', 'even n', 'n = 3 × m', 'prime n', 'n = p^2', '16,400-bit n']),
    );
  });

  it('refuses by SP 800-56B what openssl 3.0 lets through: e = 3 and a huge odd e', async () => {
    for (const name of ['e = 3', 'odd e = 2^256 + 1', 'odd 2400-bit e']) {
      const { n, e } = corpus.find((item) => item.name === name) ?? valid;
      for (const [file, content] of [
        ['k.pem', rawSpkiPem(n, e)],
        ['k.json', JSON.stringify(rawRsaJwk(n, e))],
      ] as const) {
        const entry = await entryOf(file, content);
        expect(entry.status === 'refused' && entry.reason, `${name} (${file})`).toMatch(/^e: .*\(sp800-56b\.rsa-exponent\)$/);
      }
    }
  });

  it('refuses every key of the corpus, each naming its rule', async () => {
    for (const { name, n, e } of corpus) {
      const entry = await entryOf('k.json', JSON.stringify(rawRsaJwk(n, e)));
      expect(entry.status === 'refused' && entry.reason, name).toMatch(
        /\((sp800-56b\.rsa-exponent|sp800-56b\.rsa-modulus|rfc7518\.rsa-key-size)\)$/,
      );
    }
  });
});
