import { beforeAll, describe, expect, it } from 'vitest';
import { parseKeyFile, type AcceptedKey, type KeyEntry } from '../../src/keys/key-file.js';
import { buildKeySet } from '../../src/keys/key-set.js';
import { pkcs8, publicJwk, PUBLISHED_MEMBERS, rsaKey, spki, type TestKey } from './helpers.js';

let a: TestKey;
let b: TestKey;
let c: TestKey;

beforeAll(() => {
  [a, b, c] = [rsaKey(), rsaKey(), rsaKey()];
});

const entries = async (files: Record<string, string>): Promise<KeyEntry[]> =>
  (await Promise.all(Object.entries(files).map(([file, content]) => parseKeyFile(file, content, 'RS256')))).flat();

describe('buildKeySet', () => {
  it('publishes accepted keys sorted by kid (code-unit order), with a fixed member order', async () => {
    const set = buildKeySet(await entries({ 'b.pem': pkcs8(b), 'C.pem': spki(c), 'a.pem': pkcs8(a) }));
    expect(set.jwks.keys.map((key) => key.kid)).toEqual(['C', 'a', 'b']);
    for (const key of set.jwks.keys) expect(Object.keys(key)).toEqual(PUBLISHED_MEMBERS);
    expect(set.reports.map((report) => [report.file, report.status])).toEqual([
      ['C.pem', 'published'],
      ['a.pem', 'published'],
      ['b.pem', 'published'],
    ]);
  });

  it('serializes the same set to the same bytes whatever the input order', async () => {
    const files = { 'a.pem': pkcs8(a), 'b.pem': pkcs8(b), 'c.json': JSON.stringify({ keys: [{ ...publicJwk(c), kid: 'c' }] }) };
    const forward = buildKeySet(await entries(files));
    const backward = buildKeySet((await entries(files)).reverse());
    expect(JSON.stringify(backward.jwks)).toBe(JSON.stringify(forward.jwks));
    expect(backward.reports).toEqual(forward.reports);
  });

  it('duplicate kid in two files: publishes neither, and names both files', async () => {
    const set = buildKeySet(
      await entries({
        'one.json': JSON.stringify({ ...publicJwk(a), kid: 'shared' }),
        'shared.pem': pkcs8(b),
        'other.pem': pkcs8(c),
      }),
    );
    expect(set.jwks.keys.map((key) => key.kid)).toEqual(['other']);
    const byFile = Object.fromEntries(set.reports.map((report) => [report.file, report]));
    expect(byFile['one.json']).toMatchObject({ status: 'refused', kid: 'shared' });
    expect(byFile['one.json']?.reason).toMatch(/duplicate kid "shared" with different keys \(also in shared\.pem\)/);
    expect(byFile['shared.pem']?.reason).toMatch(/also in one\.json/);
    expect(set.refusals).toEqual([
      { files: ['one.json', 'shared.pem'], kid: 'shared', reason: 'duplicate kid with different keys: none is published' },
    ]);
  });

  it('duplicate kid inside one JWKS file names the entries', async () => {
    const set = buildKeySet(
      await entries({
        'set.json': JSON.stringify({
          keys: [
            { ...publicJwk(a), kid: 'x' },
            { ...publicJwk(b), kid: 'x' },
          ],
        }),
      }),
    );
    expect(set.jwks.keys).toEqual([]);
    expect(set.reports.map((report) => report.reason)).toEqual([
      'duplicate kid "x" with different keys (also in set.json#1): none is published',
      'duplicate kid "x" with different keys (also in set.json#0): none is published',
    ]);
    expect(set.refusals).toHaveLength(1);
  });

  it('a refused key does not take a kid away from a valid one', async () => {
    const set = buildKeySet(await entries({ 'k.json': JSON.stringify({ ...publicJwk(a), kid: 'k', use: 'enc' }), 'k.pem': pkcs8(b) }));
    expect(set.jwks.keys.map((key) => key.kid)).toEqual(['k']);
    expect(set.refusals.map((refusal) => refusal.files)).toEqual([['k.json']]);
  });

  it('freezes the published set', async () => {
    const set = buildKeySet(await entries({ 'a.pem': pkcs8(a) }));
    expect(Object.isFrozen(set.jwks)).toBe(true);
    expect(Object.isFrozen(set.jwks.keys)).toBe(true);
    expect(Object.isFrozen(set.jwks.keys[0])).toBe(true);
  });

  it('duplicate kids cost linear time and memory: each refusal names three keys and counts the others', () => {
    /** `count` keys under one kid, each a different key in its own file. */
    const copies = (count: number): AcceptedKey[] =>
      Array.from({ length: count }, (_, index) => {
        const file = `k${String(index).padStart(5, '0')}.json`;
        const jwk = { kty: 'RSA', use: 'sig', kid: 'dup', alg: 'RS256', n: `n${index}`, e: 'AQAB' } as const;
        return { file, index: undefined, kid: 'dup', alg: 'RS256', bits: 2048, status: 'accepted', jwk };
      });
    const size = (count: number): number => {
      const set = buildKeySet(copies(count));
      expect(set.jwks.keys).toEqual([]);
      for (const report of set.reports) expect(report.reason?.length).toBeLessThan(200);
      return JSON.stringify(set).length;
    };
    const [thousand, threeThousand] = [size(1000), size(3000)];
    // Linear: three times the keys, three times the text (give or take the digits of the counts).
    expect(threeThousand / thousand).toBeLessThan(3.2);
    const set = buildKeySet(copies(3000));
    expect(set.reports[0]?.reason).toBe(
      'duplicate kid "dup" with different keys (also in k00001.json, k00002.json, k00003.json and 2996 others): none is published',
    );
    expect(set.reports[2]?.reason).toBe(
      'duplicate kid "dup" with different keys (also in k00000.json, k00001.json, k00003.json and 2996 others): none is published',
    );
    expect(set.refusals).toEqual([
      {
        files: ['k00000.json', 'k00001.json', 'k00002.json'],
        kid: 'dup',
        reason: 'duplicate kid with different keys (in 3000 files: 2997 more not named): none is published',
      },
    ]);
  });
});
