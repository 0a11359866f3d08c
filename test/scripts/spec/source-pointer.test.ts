import { describe, expect, it } from 'vitest';
import { sourcePointer } from '../../../scripts/spec/source-pointer.js';

const document = {
  paths: { '/a/b': { get: { responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } } } } } },
  components: {
    schemas: {
      A: { properties: { list: { items: { $ref: '#/components/schemas/B' } }, 'x~y': {} } },
      B: { properties: { id: { type: 'string' } } },
      Loop: { $ref: '#/components/schemas/Loop' },
    },
  },
};
const schema = '/paths/~1a~1b/get/responses/200/content/application~1json/schema';

describe('sourcePointer', () => {
  it('follows local $refs to the node that defines a location', () => {
    expect(sourcePointer(document, `${schema}/properties/list/items/properties/id`)).toBe('#/components/schemas/B/properties/id');
  });

  it('keeps a location that no $ref crosses, and escapes names as RFC 6901 says', () => {
    expect(sourcePointer(document, '/paths/~1a~1b/get')).toBe('#/paths/~1a~1b/get');
    expect(sourcePointer(document, `${schema}/properties/x~0y`)).toBe('#/components/schemas/A/properties/x~0y');
  });

  it('is undefined for a location the document does not have, or a cycle of $refs', () => {
    expect(sourcePointer(document, `${schema}/properties/missing`)).toBeUndefined();
    expect(sourcePointer(document, '/components/schemas/Loop/properties')).toBeUndefined();
  });
});
