import { describe, expect, it } from 'vitest';
import { listOperations } from '../../src/contract/operation-id.js';
import type { OpenApiDocument } from '../../src/contract/spec.js';

/** The ids `listOperations` gives the operations of a document holding only `paths`. */
function idsOf(paths: Record<string, Record<string, object>>): string[] {
  const document = { openapi: '3.1.0', info: { title: 'ids', version: '1' }, paths } as OpenApiDocument;
  return listOperations(document).map((operation) => operation.id);
}

describe('listOperations', () => {
  it('names the seed operations from method and path', () => {
    expect(idsOf({ '/.well-known/jwks.json': { get: {} }, '/.well-known/oauth-authorization-server': { get: {} } })).toEqual([
      'getWellKnownJwksJson',
      'getWellKnownOauthAuthorizationServer',
    ]);
  });

  it('marks templated segments', () => {
    expect(idsOf({ '/keys/{kid}': { delete: {} } })).toEqual(['deleteKeysByKid']);
  });

  it('prefers an explicit operationId and ignores an empty one', () => {
    expect(idsOf({ '/x': { get: { operationId: 'getJwks' }, put: { operationId: '' } } })).toEqual(['getJwks', 'putX']);
  });

  it('lists paths in document order, each with its methods in the order OpenAPI lists them, skipping members that are not operations', () => {
    expect(idsOf({ '/a': { post: {}, get: {}, parameters: {} }, '/b': { head: {} } })).toEqual(['getA', 'postA', 'headB']);
  });
});
