import { describe, expect, it } from 'vitest';
import { Contract } from '../../src/contract/contract.js';
import { SpecError } from '../../src/errors.js';
import { writeSpec } from '../support/spec-copy.js';

describe('Contract.load on the document as upstream exports it', () => {
  it('routes both paths without operationIds in the document', async () => {
    const contract = await Contract.load();
    expect(contract.operations.map((op) => op.id)).toEqual(['getWellKnownJwksJson', 'getWellKnownOauthAuthorizationServer']);
    const match = contract.match('GET', '/.well-known/jwks.json');
    expect(match.kind === 'operation' && match.operation.id).toBe('getWellKnownJwksJson');
    expect(contract.match('HEAD', '/.well-known/oauth-authorization-server').kind).toBe('operation');
    expect(contract.match('POST', '/.well-known/jwks.json')).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'OPTIONS'] });
    expect(contract.match('GET', '/nope').kind).toBe('not-found');
  });

  it('routes exactly the paths of openapi.json: a trailing slash is another path', async () => {
    const file = writeSpec((doc) => {
      doc.paths['/keys/{kid}'] = structuredClone(doc.paths['/.well-known/jwks.json']);
      doc.paths['/keys/{kid}'].get.parameters = [{ name: 'kid', in: 'path', required: true, schema: { type: 'string' } }];
    });
    const contract = await Contract.load(file);
    for (const path of ['/.well-known/jwks.json/', '/.well-known/jwks.json//', '/keys/main/'])
      expect(contract.match('GET', path).kind).toBe('not-found');
    expect(contract.match('GET', '/keys/main').kind).toBe('operation');
  });

  it('uses explicit operationIds when the document has them', async () => {
    const file = writeSpec((doc) => {
      doc.paths['/.well-known/jwks.json'].get.operationId = 'getJwks';
    });
    const contract = await Contract.load(file);
    expect(contract.operations.map((op) => op.id)).toEqual(['getJwks', 'getWellKnownOauthAuthorizationServer']);
  });

  it('enforces OpenAPI 3.1 type arrays and {} schemas with Ajv 2020', async () => {
    const contract = await Contract.load();
    const base = { message: 'm', type: 't', timestamp: '2026-01-01T00:00:00.000Z' };
    expect(contract.componentProblems('ApiErrorResponse', { ...base, code: null, url: 'x', detail: { any: [1] } })).toEqual([]);
    expect(contract.componentProblems('ApiErrorResponse', { ...base, code: 7 })).toEqual(['/code: must be string,null']);
  });

  it('enforces format as written', async () => {
    const file = writeSpec((doc) => {
      doc.components.schemas.OAuthMetadata.properties.service_documentation.format = 'uri';
    });
    const contract = await Contract.load(file);
    const problems = contract.componentProblems('OAuthMetadata', { service_documentation: 'not a uri' });
    expect(problems).toContain('/service_documentation: must match format "uri"');
  });

  it('rejects a response body the contract forbids, naming the member', async () => {
    const contract = await Contract.load();
    expect(contract.responseProblems('getWellKnownJwksJson', 200, { keys: [], extra: true })).toEqual([
      '/extra: is not allowed by openapi.json (additionalProperties: false)',
    ]);
  });

  it('gives the same problems structured: pointer, member and message', async () => {
    const contract = await Contract.load();
    expect(contract.responseIssues('getWellKnownJwksJson', 200, { keys: [], extra: true })).toEqual([
      { pointer: '/extra', member: 'extra', message: 'is not allowed by openapi.json (additionalProperties: false)' },
    ]);
    expect(contract.responseIssues('getWellKnownJwksJson', 200, {})).toEqual([
      { pointer: '/keys', member: 'keys', message: 'is required by openapi.json' },
    ]);
    expect(contract.responseIssues('getWellKnownJwksJson', 200, [])).toEqual([
      { pointer: '', member: '(document)', message: 'must be object' },
    ]);
    expect(contract.responseProblems('getWellKnownJwksJson', 200, [])).toEqual(['(document): must be object']);
    const base = { message: 'm', type: 't', timestamp: '2026-01-01T00:00:00.000Z' };
    expect(contract.componentIssues('ApiErrorResponse', { ...base, code: 7 })).toEqual([
      { pointer: '/code', member: 'code', message: 'must be string,null' },
    ]);
  });

  it('names nested members by their full pointer', async () => {
    const contract = await Contract.load();
    const key = { kty: 'RSA', use: 'sig', kid: 'k', alg: 'RS256', n: 7, e: 'AQAB' };
    expect(contract.responseIssues('getWellKnownJwksJson', 200, { keys: [key] })).toEqual([
      { pointer: '/keys/0/n', member: 'n', message: 'must be string' },
    ]);
    expect(contract.responseProblems('getWellKnownJwksJson', 200, { keys: [key] })).toEqual(['/keys/0/n: must be string']);
  });

  it.each([
    ['an OpenAPI 3.0 document', (doc: Record<string, any>) => (doc.openapi = '3.0.3'), /openapi: must be a 3\.1\.x version/],
    ['an invalid schema type', (doc: Record<string, any>) => (doc.components.schemas.JWK.type = ['strin']), /openapi-backend refused/],
    ['an unknown format', (doc: Record<string, any>) => (doc.components.schemas.JWK.properties.n.format = 'base64urlx'), /unknown format/],
    [
      'an unresolvable $ref',
      (doc: Record<string, any>) => (doc.components.schemas.JWKS.properties.keys.items.$ref = '#/components/schemas/Nope'),
      /openapi-backend refused/,
    ],
    [
      'an operation without responses',
      (doc: Record<string, any>) => (doc.paths['/.well-known/jwks.json'].get.responses = {}),
      /must list at least one response/,
    ],
  ])('refuses %s with a SpecError', async (_name, edit, message) => {
    const load = Contract.load(writeSpec(edit));
    await expect(load).rejects.toBeInstanceOf(SpecError);
    await expect(load).rejects.toThrow(message);
  });

  it('refuses a file that is not JSON, naming it', async () => {
    await expect(Contract.load('/nonexistent/openapi.json')).rejects.toThrow('cannot read /nonexistent/openapi.json');
  });
});
