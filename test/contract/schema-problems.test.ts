import { describe, expect, it } from 'vitest';
import { formatSchemaProblem, pointerSegments, schemaProblems, toPointer } from '../../src/contract/schema-problems.js';

describe('schemaProblems', () => {
  it('points at the refused or missing member itself, escaping it as RFC 6901 requires', () => {
    const errors = [
      {
        instancePath: '',
        keyword: 'additionalProperties',
        params: { additionalProperty: 'a/b~c' },
        message: 'must NOT have additional properties',
      },
      { instancePath: '/keys/0', keyword: 'required', params: { missingProperty: 'kid' }, message: "must have required property 'kid'" },
      { instancePath: '/keys/0/n', keyword: 'type', params: { type: 'string' }, message: 'must be string' },
      { instancePath: '', keyword: 'type', params: { type: 'object' } },
    ];
    expect(schemaProblems(errors)).toEqual([
      { pointer: '/a~1b~0c', message: 'is not allowed by openapi.json (additionalProperties: false)' },
      { pointer: '/keys/0/kid', message: 'is required by openapi.json' },
      { pointer: '/keys/0/n', message: 'must be string' },
      { pointer: '', message: 'type' },
    ]);
    expect(schemaProblems(errors).map(formatSchemaProblem)).toEqual([
      '/a~1b~0c: is not allowed by openapi.json (additionalProperties: false)',
      '/keys/0/kid: is required by openapi.json',
      '/keys/0/n: must be string',
      '(document): type',
    ]);
    expect(schemaProblems(null)).toEqual([]);
  });

  it('formats one problem as pointer: message', () => {
    expect(formatSchemaProblem({ pointer: '/x', message: 'must be string' })).toBe('/x: must be string');
    expect(formatSchemaProblem({ pointer: '', message: 'must be object' })).toBe('(document): must be object');
  });

  it('splits and unescapes pointers, and escapes them back', () => {
    expect(pointerSegments('')).toEqual([]);
    expect(pointerSegments('/a~1b/0/c~0d')).toEqual(['a/b', '0', 'c~d']);
    expect(toPointer(['a/b', '0', 'c~d'])).toBe('/a~1b/0/c~0d');
    expect(toPointer([])).toBe('');
  });
});
