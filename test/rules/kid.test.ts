import { describe, expect, it } from 'vitest';
import { printable, quote } from '../../src/rules/finding.js';
import { isValidKid, kidFindings } from '../../src/rules/kid.js';

/** The longest kid this service allows (its own rule: RFC 7517 §4.5 leaves the form of a kid to the application). */
const MAX_KID_LENGTH = 256;

describe('the kid rule', () => {
  it.each(['a', 'archera-oauth-2026-07', 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', '!~', 'x'.repeat(MAX_KID_LENGTH)])(
    'accepts %j',
    (kid) => {
      expect(isValidKid(kid)).toBe(true);
      expect(kidFindings(kid, 'kid')).toEqual([]);
    },
  );

  it.each([
    ['empty', ''],
    ['a space', 'my key'],
    ['CR LF', 'k\r\nforged: line'],
    ['an ANSI escape', 'k\u001b[31m'],
    ['a NUL', 'k\u0000'],
    ['DEL', 'k\u007f'],
    ['a C1 control (CSI)', 'k\u009b2J'],
    ['non-ASCII', 'clé'],
    ['257 characters', 'x'.repeat(MAX_KID_LENGTH + 1)],
    ['a number', 42],
  ])('refuses a kid with %s, naming the rule', (_name, kid) => {
    expect(isValidKid(kid)).toBe(false);
    const [found, ...rest] = kidFindings(kid, 'keys[0].kid');
    expect(rest).toEqual([]);
    expect(found).toMatchObject({ rule: 'rfc7517.kid-printable', member: 'keys[0].kid' });
    expect(found?.message).toMatch(/; must be 1 to 256 printable ASCII characters, 0x21–0x7E$/);
  });

  it('has nothing to say about a missing kid', () => {
    expect(kidFindings(undefined, 'kid')).toEqual([]);
  });

  it('shows a refused kid escaped: no control character reaches the message', () => {
    const [found] = kidFindings('k\r\n\u001b[2J\u009b\u007f"\\', 'kid');
    expect(found?.message).toBe('is "k\\r\\n\\u001b[2J\\u009b\\u007f\\"\\\\"; must be 1 to 256 printable ASCII characters, 0x21–0x7E');
    expect(found?.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('cuts a 200,000-character kid in its message, noting its length', () => {
    const [found] = kidFindings('k'.repeat(200_000), 'kid');
    expect(found?.message.length).toBeLessThan(300);
    expect(found?.message).toContain('… (200000 characters)');
  });
});

describe('quote and printable', () => {
  it('quote names strings escaped, scalars as written, and containers by kind only', () => {
    expect(quote('sig')).toBe('"sig"');
    expect(quote(undefined)).toBe('missing');
    expect(quote(null)).toBe('null');
    expect(quote(7)).toBe('7');
    expect(quote(['a'])).toBe('an array');
    expect(quote({ a: 1 })).toBe('an object');
  });

  it('quote never recurses into a value, however deeply it nests', () => {
    let deep: unknown = 1;
    for (let depth = 0; depth < 100_000; depth += 1) deep = [deep];
    expect(quote(deep)).toBe('an array');
  });

  it('printable escapes without quoting, for file names', () => {
    expect(printable('a\nb.pem')).toBe('a\\nb.pem');
    expect(printable('plain.pem')).toBe('plain.pem');
  });
});
