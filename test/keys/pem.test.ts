import { describe, expect, it } from 'vitest';
import { looksLikePem, pemBlocks } from '../../src/keys/pem.js';

const block = (label: string, body = 'AAAA'): string => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const labels = (text: string): string[] => [...pemBlocks(text)].map((found) => found.label);

describe('pemBlocks', () => {
  it('yields complete blocks in order, with their body', () => {
    const text = `preamble\n${block('CERTIFICATE')}between\n${block('PRIVATE KEY', 'QUJD')}`;
    const blocks = [...pemBlocks(text)];
    expect(blocks.map((found) => found.label)).toEqual(['CERTIFICATE', 'PRIVATE KEY']);
    expect(blocks[1]?.body).toBe('\nQUJD\n');
  });

  it('skips a block another BEGIN interrupts, and resumes at that BEGIN', () => {
    expect(labels(`-----BEGIN PRIVATE KEY-----\nAAAA\n${block('PUBLIC KEY')}`)).toEqual(['PUBLIC KEY']);
  });

  it('of many BEGIN lines before one END, takes the last as the block', () => {
    const text = `${'-----BEGIN X-----\n'.repeat(5)}QUJD\n-----END X-----\n`;
    expect([...pemBlocks(text)]).toEqual([{ label: 'X', body: '\nQUJD\n' }]);
  });

  it('skips an END whose label does not match its BEGIN', () => {
    expect(labels('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toEqual([]);
    expect(labels(`-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${block('CERTIFICATE')}`)).toEqual(['CERTIFICATE']);
  });

  it('skips BEGIN lines with malformed labels (lower case, empty, too long, unclosed)', () => {
    for (const bad of ['-----BEGIN private key-----', '-----BEGIN -----', `-----BEGIN ${'A'.repeat(65)}-----`, '-----BEGIN PUBLIC KEY\n']) {
      expect(labels(`${bad}\nAAAA\n-----END PUBLIC KEY-----\n`), bad).toEqual([]);
    }
    expect(labels(block('A'.repeat(64)))).toEqual(['A'.repeat(64)]);
  });

  it('finds nothing in an unterminated block', () => {
    expect(labels('-----BEGIN PUBLIC KEY-----\nAAAA\n')).toEqual([]);
  });

  it('looksLikePem: a BEGIN marker anywhere', () => {
    expect(looksLikePem('x -----BEGIN Y')).toBe(true);
    expect(looksLikePem('{"kty":"RSA"}')).toBe(false);
  });
});
