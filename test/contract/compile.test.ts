/**
 * The build's compiled contract answers exactly as openapi-backend does for the same openapi.json, and is only
 * made for documents whose answers cannot depend on the request.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackendCore } from '../../src/contract/backend-core.js';
import { compileContract } from '../../src/contract/compile.js';
import { compiledCore, type CompiledModule } from '../../src/contract/compiled-core.js';
import type { ContractCore, Validator } from '../../src/contract/core.js';
import { schemaProblems } from '../../src/contract/schema-problems.js';
import { defaultSpecPath, loadSpecFile, readSpec, specDigest } from '../../src/contract/spec.js';
import { rsaKey } from '../support/keys.js';
import { writeSpec } from '../support/spec-copy.js';

const DIST_RECORD = fileURLToPath(new URL('../../dist/compiled-contract.js', import.meta.url));
let compiled: ContractCore;
let backend: ContractCore;
let module: CompiledModule;

const { n, e } = rsaKey().publicKey.export({ format: 'jwk' });
const key = { kty: 'RSA', use: 'sig', kid: 'k1', alg: 'RS256', n, e };
const SAMPLES: unknown[] = [
  { keys: [key] },
  { keys: [] },
  { keys: [{ ...key, d: 'private' }] },
  { keys: [{ ...key, kid: undefined }] },
  { keys: 'no' },
  {},
  { message: 'm', type: 't', timestamp: 'now', code: null },
  { message: 'm', type: 't', timestamp: 'now', code: 5 },
  { issuer: 'https://a.example', registration_endpoint: 'x' },
  null,
];

/** Verdict and structured errors of a validator on every sample. */
const verdicts = (validate: Validator | undefined) =>
  SAMPLES.map((sample) => {
    if (validate === undefined) return 'none';
    const valid = validate(sample);
    return { valid, problems: schemaProblems(validate.errors) };
  });

beforeAll(async () => {
  module = (await import(DIST_RECORD)) as CompiledModule;
  compiled = compiledCore(module);
  backend = await loadBackendCore(readSpec());
});

describe('the compiled contract', () => {
  it('is stamped with the SHA-256 of openapi.json', () => {
    expect(module.contract.sha256).toBe(specDigest(loadSpecFile().bytes));
  });

  it('has the operations and routing decisions of openapi-backend', () => {
    expect(compiled.operations.map(({ id, method, path }) => ({ id, method, path }))).toEqual(
      backend.operations.map(({ id, method, path }) => ({ id, method, path })),
    );
    expect(compiled.routes.table).toEqual(backend.routes.table);
    for (const method of ['GET', 'HEAD', 'POST', 'OPTIONS']) {
      for (const path of ['/.well-known/jwks.json', '/.well-known/jwks.json/', '/.well-known/oauth-authorization-server', '/x']) {
        expect(compiled.routes.match(method, path)).toEqual(backend.routes.match(method, path));
      }
    }
  });

  it('validates every response as openapi-backend does', () => {
    for (const operation of backend.operations) {
      for (const status of [200, 400, 404, 405, 500]) {
        expect(verdicts(compiled.responseValidator(operation.id, status))).toEqual(
          verdicts(backend.responseValidator(operation.id, status)),
        );
      }
    }
  });

  it('has every component schema, dereferenced, with the same validator', () => {
    for (const name of ['JWKS', 'JWK', 'ApiErrorResponse', 'Error', 'OAuthMetadata']) {
      expect(compiled.componentSchema(name)).toEqual(backend.componentSchema(name));
      expect(verdicts(compiled.componentValidator(name))).toEqual(verdicts(backend.componentValidator(name)));
    }
  });
});

describe('compileContract', () => {
  it('compiles the project’s openapi.json', async () => {
    const result = await compileContract(defaultSpecPath());
    expect(result.ok && result.source).toContain('export const contract = ');
  });

  it('leaves a document with request parameters to openapi-backend, saying why', async () => {
    const file = writeSpec((doc) => {
      doc.paths['/.well-known/jwks.json'].get.parameters = [{ name: 'kid', in: 'query', schema: { type: 'string' } }];
    });
    const result = await compileContract(file);
    expect(result).toEqual({
      ok: false,
      reason: 'getWellKnownJwksJson has parameters or a body, which openapi-backend validates per request',
    });
  });
});
