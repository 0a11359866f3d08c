import { describe, expect, it } from 'vitest';
import { deriveOperationId, operationIdOf } from '../../src/contract/operation-id.js';

describe('deriveOperationId', () => {
  it('names the seed operations from method and path', () => {
    expect(deriveOperationId('get', '/.well-known/jwks.json')).toBe('getWellKnownJwksJson');
    expect(deriveOperationId('get', '/.well-known/oauth-authorization-server')).toBe('getWellKnownOauthAuthorizationServer');
  });

  it('marks templated segments', () => {
    expect(deriveOperationId('delete', '/keys/{kid}')).toBe('deleteKeysByKid');
  });

  it('prefers an explicit operationId and ignores an empty one', () => {
    expect(operationIdOf('get', '/x', { operationId: 'getJwks' })).toBe('getJwks');
    expect(operationIdOf('get', '/x', { operationId: '' })).toBe('getX');
  });
});
