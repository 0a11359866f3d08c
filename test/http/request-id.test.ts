import { describe, expect, it } from 'vitest';
import { requestIdOf } from '../../src/http/request-id.js';

/** RFC 9562: 8-4-4-4-12 lower-case hex, version 4 (§5.4), variant 0b10 (§4.1). */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** 30 of the 31 random hex digits of a version 4 UUID: the version digit and the variant's digit left out. */
function randomDigits(id: string): string {
  const hex = id.replaceAll('-', '');
  return hex.slice(0, 12) + hex.slice(13, 16) + hex.slice(17);
}

describe('request ids', () => {
  it('keep a well-formed client id as it is', () => {
    expect(requestIdOf('trace-123.abc/def+ghi=')).toBe('trace-123.abc/def+ghi=');
  });

  it('replace a missing, repeated or malformed client id with a version 4 UUID', () => {
    for (const header of [undefined, ['a', 'b'], '', 'bad id with spaces', 'x'.repeat(129), 'é']) {
      expect(requestIdOf(header)).toMatch(UUID_V4);
    }
  });

  it('tell nothing about each other: consecutive ids share no more than chance would', () => {
    const ids = Array.from({ length: 2000 }, () => requestIdOf(undefined));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    // Each random hex digit of two ids is equal with probability 1/16: over 1999 pairs of 30 digits that is
    // ~3,748 equal digits (standard deviation ~59). A shared prefix or a counter makes far more. Bounds at 8
    // standard deviations: a random generator does not leave them.
    let equal = 0;
    for (let i = 1; i < ids.length; i += 1) {
      const [a, b] = [randomDigits(ids[i - 1] ?? ''), randomDigits(ids[i] ?? '')];
      for (let d = 0; d < a.length; d += 1) if (a[d] === b[d]) equal += 1;
    }
    expect(equal).toBeGreaterThan(3748 - 480);
    expect(equal).toBeLessThan(3748 + 480);
  });
});
