import { beforeAll, describe, expect, it } from 'vitest';
import type { Contract } from '../../src/contract/contract.js';
import { methodNotAllowedValidator, operationErrorValidator, unroutedErrorValidator } from '../../src/contract/error-schemas.js';
import { compiledContract } from '../support/contract.js';
import { writeSpec } from '../support/spec-copy.js';

const JWKS = '/.well-known/jwks.json';
/** Paths no real operation will take: one upstream-style (200 and default only), one that declares its 405. */
const UPSTREAM = '/.well-known/__upstream-style__';
const DECLARES_405 = '/.well-known/__declares-405__';

let contract: Contract;
let api: string;
let error: string;

beforeAll(async () => {
  contract = await compiledContract(
    writeSpec((document) => {
      const ok = document.paths['/.well-known/oauth-authorization-server'].get.responses['200'];
      const upstream = { $ref: '#/components/responses/DEFAULT_ERROR' };
      document.paths[UPSTREAM] = { get: { responses: { 200: ok, default: upstream } } };
      document.paths[DECLARES_405] = { get: { responses: { 200: ok, '4XX': upstream } } };
    }),
  );
  api = contract.componentValidator('ApiErrorResponse');
  error = contract.componentValidator('Error');
});

describe('which schema an error answer follows', () => {
  it('a routed error: the status declared, else its class, else default; ApiErrorResponse for no body or none', () => {
    expect(operationErrorValidator(contract, 'getWellKnownJwksJson', 404)).toBe(api);
    // Declared without a body: "Failed to load keys".
    expect(operationErrorValidator(contract, 'getWellKnownJwksJson', 500)).toBe(api);
    expect(operationErrorValidator(contract, 'getWellKnownJwksJson', 503)).toBe(error);
    expect(operationErrorValidator(contract, 'getWellKnownUpstreamStyle', 500)).toBe(error);
    expect(operationErrorValidator(contract, 'getWellKnownDeclares405', 413)).toBe(error);
    expect(operationErrorValidator(contract, 'getWellKnownDeclares405', 500)).toBe(api);
  });

  it('a 405 follows a 405 or 4XX a path declares, never its default', () => {
    expect(methodNotAllowedValidator(contract, JWKS)).toBe(api);
    expect(methodNotAllowedValidator(contract, UPSTREAM)).toBe(api);
    expect(methodNotAllowedValidator(contract, DECLARES_405)).toBe(error);
  });

  it('an error before routing is an ApiErrorResponse', () => {
    expect(unroutedErrorValidator(contract)).toBe(api);
  });
});
