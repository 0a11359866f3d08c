import { describe, expect, it } from 'vitest';
import { schemaFindings, schemaPropertyNames } from '../../src/rules/schema.js';

describe('schemaFindings', () => {
  it('turns contract problems into findings naming the member', () => {
    expect(
      schemaFindings([
        {
          pointer: '/registration_endpoint',
          message: 'is not allowed by openapi.json (additionalProperties: false)',
        },
        { pointer: '/keys/0/n', message: 'must be string' },
        { pointer: '', message: 'must be object' },
      ]),
    ).toEqual([
      { rule: 'contract.schema', member: 'registration_endpoint', message: 'is not allowed by openapi.json (additionalProperties: false)' },
      { rule: 'contract.schema', member: 'keys[0].n', message: 'must be string' },
      { rule: 'contract.schema', message: 'must be object' },
    ]);
  });

  it('takes the member from the pointer, never from the message text', () => {
    expect(schemaFindings([{ pointer: '/a', message: '/b: looks like a pointer' }])).toEqual([
      { rule: 'contract.schema', member: 'a', message: '/b: looks like a pointer' },
    ]);
  });

  it('unescapes JSON pointer segments, and names no member for the whole document', () => {
    const [escaped, whole] = schemaFindings([
      { pointer: '/a~1b/c~0d', message: 'must be string' },
      { pointer: '', message: 'must be object' },
    ]);
    expect(escaped?.member).toBe('a/b.c~d');
    expect(whole).toBeDefined();
    expect(whole?.member).toBeUndefined();
  });
});

describe('schemaPropertyNames', () => {
  it('keeps the document order', () => {
    expect(schemaPropertyNames({ properties: { b: {}, a: {} } })).toEqual(['b', 'a']);
    expect(schemaPropertyNames({})).toEqual([]);
  });
});
