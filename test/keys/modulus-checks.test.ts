import { generatePrimeSync } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModulusChecks } from '../../src/keys/modulus-checks.js';
import type { ModulusProblem } from '../../src/rules/rsa-key.js';
import { costlyModuli, rsaKey, rsaNumbers } from '../support/keys.js';
import { waitFor } from './helpers.js';

/** Moduli without structure to find: `small` of 2048 bits (real keys'), `large` of about 8192. */
let small: bigint[];
let large: bigint[];

beforeAll(() => {
  small = Array.from({ length: 3 }, () => rsaNumbers(rsaKey()).n);
  large = costlyModuli(2, 8);
});

/** A primality test that counts its calls and answers "not prime", at once or when released. */
function primeTest(hold: (n: bigint) => boolean = () => false): {
  checks: ModulusChecks;
  asked: bigint[];
  release: () => void;
} {
  const asked: bigint[] = [];
  const held: Array<() => void> = [];
  const checks = new ModulusChecks({
    primeProblem: (n) => {
      asked.push(n);
      return hold(n) ? new Promise((resolve) => held.push(() => resolve(undefined))) : Promise.resolve(undefined);
    },
  });
  return { checks, asked, release: () => held.splice(0).forEach((resolve) => resolve()) };
}

describe('ModulusChecks', () => {
  it('examines each distinct modulus once, however often and however concurrently it is asked for', async () => {
    const { checks, asked } = primeTest();
    const [n, m] = small as [bigint, bigint];
    expect(await Promise.all([checks.examine(n), checks.examine(n), checks.examine(m)])).toEqual([
      { problem: undefined },
      { problem: undefined },
      { problem: undefined },
    ]);
    expect(await checks.examine(n)).toEqual({ problem: undefined });
    expect(asked).toEqual([n, m]);
  });

  it('answers undefined past the deadline; the examination goes on, and its verdict is cached', async () => {
    const { checks, asked, release } = primeTest(() => true);
    const [n] = small as [bigint];
    expect(await checks.examine(n, performance.now() + 10)).toBeUndefined();
    expect(await checks.examine(n, performance.now() - 1)).toBeUndefined();
    // The examination starts from a queue: on a loaded machine the deadline can pass before it has begun.
    await waitFor(() => asked.length > 0, 'the primality test asked');
    release();
    expect(await checks.examine(n)).toEqual({ problem: undefined });
    expect(asked).toEqual([n]);
  });

  it('never queues a small modulus behind a large one, and tests one large modulus at a time', async () => {
    const { checks, asked, release } = primeTest((n) => large.includes(n));
    const [first, second] = large as [bigint, bigint];
    const firstVerdict = checks.examine(first);
    const secondVerdict = checks.examine(second);
    await waitFor(() => asked.includes(first), 'the first large modulus tested');
    for (const n of small) expect(await checks.examine(n)).toEqual({ problem: undefined });
    expect(asked).toEqual([first, ...small]);
    release();
    expect(await firstVerdict).toEqual({ problem: undefined });
    await waitFor(() => asked.includes(second), 'the second large modulus tested');
    release();
    expect(await secondVerdict).toEqual({ problem: undefined });
  });

  it('finds structure without the primality test: an even modulus, a factor below 2^20', async () => {
    const { checks, asked } = primeTest();
    const q = generatePrimeSync(2040, { bigint: true });
    const problem = async (n: bigint): Promise<ModulusProblem | undefined> => (await checks.examine(n))?.problem;
    expect(await problem(q * 1048576n)).toMatchObject({ what: 'is even' });
    expect(await problem(q * 1048573n)).toMatchObject({ what: 'is divisible by 1048573' });
    expect(asked).toEqual([]);
  });

  it('remembers no failed examination: the next request tries again', async () => {
    let calls = 0;
    const checks = new ModulusChecks({
      primeProblem: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('thread pool failure')) : Promise.resolve(undefined);
      },
    });
    const [n] = small as [bigint];
    await expect(checks.examine(n)).rejects.toThrow('thread pool failure');
    await setImmediate();
    expect(await checks.examine(n)).toEqual({ problem: undefined });
    expect(calls).toBe(2);
  });
});
