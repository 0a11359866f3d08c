import { describe, expect, it } from 'vitest';
import { newRequestId, requestIdOf } from '../../src/http/request-id.js';

/** RFC 9562: 8-4-4-4-12 lower-case hex, version 8 (§5.8), variant 0b10 (§4.1). */
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('keep a well-formed client id as it is', () => {
    expect(requestIdOf('trace-123.abc/def+ghi=')).toBe('trace-123.abc/def+ghi=');
  });

  it('replace a missing, repeated or malformed client id with a version 8 UUID', () => {
    for (const header of [undefined, ['a', 'b'], '', 'bad id with spaces', 'x'.repeat(129), 'é']) {
      expect(requestIdOf(header)).toMatch(UUID_V8);
    }
  });

  it('are all different, sharing the random part and counting up in the last group', () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V8);
    const prefixes = new Set(ids.map((id) => id.slice(0, 24)));
    expect(prefixes.size).toBe(1);
    const counters = ids.map((id) => Number.parseInt(id.slice(24), 16));
    expect(counters.every((value, i) => i === 0 || value === (counters[i - 1] ?? NaN) + 1)).toBe(true);
  });
});
