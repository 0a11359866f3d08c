import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contract as generated } from '../../generated/contract.js';
import { operations } from '../../generated/operations.js';
import { Contract } from '../../src/contract/contract.js';
import { formatSchemaProblem } from '../../src/contract/schema-problems.js';
import { listOperations } from '../../src/contract/operation-id.js';
import { defaultSpecPath } from '../../src/contract/spec.js';
import { SpecError } from '../../src/errors.js';
import { compiledContract } from '../support/contract.js';
import { tempDir } from '../support/keys.js';
import { specCopy, writeSpec } from '../support/spec-copy.js';

const lines = (problems: ReturnType<Contract['responseIssues']>): string[] => problems.map(formatSchemaProblem);

describe('Contract.load: openapi.json as npm run generate compiled it', () => {
  it('lists every operation of openapi.json, in document order, named from method and path, with their declared responses', () => {
    const contract = Contract.load();
    const document = specCopy();
    expect(contract.operations.map(({ id, method, path }) => ({ id, method, path }))).toEqual(listOperations(document));
    expect(contract.operations.map(({ id, method, path }) => ({ id, method, path }))).toEqual(
      Object.entries(operations).map(([id, { method, path }]) => ({ id, method, path })),
    );
    for (const operation of contract.operations) {
      const declared = Object.keys(document.paths?.[operation.path]?.[operation.method]?.responses ?? {});
      expect(Object.keys(operation.responses)).toEqual(declared);
    }
    const jwks = contract.operations.find((operation) => operation.id === 'getWellKnownJwksJson');
    expect(jwks?.responses['200']).toBe('schema_JWKS');
    expect(jwks?.responses.default).toBe('schema_Error');
    // Declared without a body.
    expect(jwks?.responses['304']).toBeNull();
  });

  it('refuses an openapi.json other than the compiled one, in one line saying what to run', () => {
    const file = join(tempDir('wk-spec-'), 'openapi.json');
    writeFileSync(file, `${readFileSync(defaultSpecPath(), 'utf8')}\n`);
    let error: unknown;
    try {
      Contract.load(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).toMatch(/is not the document the contract was compiled from .*: run `npm run generate`$/);
  });

  it('is stamped with the SHA-256 of openapi.json', () => {
    expect(() => Contract.load(defaultSpecPath(), { ...generated, sha256: '0'.repeat(64) })).toThrow(SpecError);
  });

  it('uses explicit operationIds when the document has them', async () => {
    const file = writeSpec((doc) => {
      doc.paths['/.well-known/jwks.json'].get.operationId = 'getJwks';
    });
    const contract = await compiledContract(file);
    expect(contract.operations.map((op) => op.id)).toEqual(
      Object.keys(operations).map((id) => (id === 'getWellKnownJwksJson' ? 'getJwks' : id)),
    );
  });

  it('enforces OpenAPI 3.1 type arrays and {} schemas with Ajv 2020', () => {
    const contract = Contract.load();
    const base = { message: 'm', type: 't', timestamp: '2026-01-01T00:00:00.000Z' };
    expect(contract.componentIssues('ApiErrorResponse', { ...base, code: null, url: 'x', detail: { any: [1] } })).toEqual([]);
    expect(lines(contract.componentIssues('ApiErrorResponse', { ...base, code: 7 }))).toEqual(['/code: must be string,null']);
  });

  it('enforces format as written', async () => {
    const file = writeSpec((doc) => {
      doc.components.schemas.OAuthMetadata.properties.service_documentation.format = 'uri';
    });
    const contract = await compiledContract(file);
    const problems = lines(contract.componentIssues('OAuthMetadata', { service_documentation: 'not a uri' }));
    expect(problems).toContain('/service_documentation: must match format "uri"');
  });

  it('rejects a response body the contract forbids, naming the member', () => {
    const contract = Contract.load();
    expect(contract.responseIssues('getWellKnownJwksJson', 200, { keys: [], extra: true })).toEqual([
      { pointer: '/extra', message: 'is not allowed by openapi.json (additionalProperties: false)' },
    ]);
    expect(contract.responseIssues('getWellKnownJwksJson', 200, {})).toEqual([
      { pointer: '/keys', message: 'is required by openapi.json' },
    ]);
    expect(lines(contract.responseIssues('getWellKnownJwksJson', 200, []))).toEqual(['(document): must be object']);
  });

  it('names nested members by their full pointer', () => {
    const contract = Contract.load();
    const key = { kty: 'RSA', use: 'sig', kid: 'k', alg: 'RS256', n: 7, e: 'AQAB' };
    expect(lines(contract.responseIssues('getWellKnownJwksJson', 200, { keys: [key] }))).toEqual(['/keys/0/n: must be string']);
  });

  it('validates a status the operation leaves to default against the default response', () => {
    const contract = Contract.load();
    // 418 is not declared: the upstream default names the Error schema, whose `code` is an integer.
    expect(lines(contract.responseIssues('getWellKnownJwksJson', 418, { message: 'm', code: 418 }))).toEqual([]);
    expect(lines(contract.responseIssues('getWellKnownJwksJson', 418, { code: 'ERR_X' }))).toEqual(['/code: must be integer']);
  });

  it('finds the declared response of a status: the status, else its class, else default', async () => {
    const contract = await compiledContract(
      writeSpec((doc) => {
        doc.paths['/.well-known/jwks.json'].get.responses['4XX'] = { $ref: '#/components/responses/DEFAULT_ERROR' };
      }),
    );
    const error = contract.componentValidator('Error');
    expect(contract.declaredResponse('getWellKnownJwksJson', 404)).toEqual({
      key: '404',
      validator: contract.componentValidator('ApiErrorResponse'),
    });
    expect(contract.declaredResponse('getWellKnownJwksJson', 418)).toEqual({ key: '4XX', validator: error });
    expect(contract.declaredResponse('getWellKnownJwksJson', 304)).toEqual({ key: '304', validator: null });
    expect(contract.declaredResponse('getWellKnownJwksJson', 503)).toEqual({ key: 'default', validator: error });
    expect(contract.declaredResponse('noSuchOperation', 500)).toBeUndefined();
  });

  it('validates with a named validator, and names it for people', () => {
    const contract = Contract.load();
    const error = contract.componentValidator('Error');
    expect(contract.validatorIssues(error, { code: 500, status: 'Internal Server Error', message: 'm' })).toEqual([]);
    expect(lines(contract.validatorIssues(error, { code: 'ERR_X' }))).toEqual(['/code: must be integer']);
    expect(contract.describeValidator(error, '#/x')).toBe('components.schemas.Error');
    expect(contract.describeValidator('response_inline', '#/paths/~1a/get/responses/default')).toBe(
      'the schema at #/paths/~1a/get/responses/default',
    );
    expect(() => contract.componentValidator('NoSuchSchema')).toThrow(SpecError);
  });

  it('refuses a file that is not JSON, naming it', () => {
    expect(() => Contract.load('/nonexistent/openapi.json')).toThrow('cannot read /nonexistent/openapi.json');
  });
});
