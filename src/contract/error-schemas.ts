/**
 * Which schema of `openapi.json` an error answer follows: the rule the server renders errors by
 * (`src/http/errors.ts`) and `npm run verify` checks them by, so the two cannot disagree.
 *
 * - An error answered to a request routed to an operation follows the response that operation declares for the
 *   status (the status, else its class, else `default`: {@link Contract.declaredResponse}). Upstream-style
 *   operations declare only `default` → `Error`, and their errors are `Error` bodies.
 * - A 405 concerns the path, not an operation: it follows a `405` (or `4XX`) that an operation of the path
 *   declares explicitly, never a `default`.
 * - Everything else — errors before routing (404 for an unknown path, 400/413/431 for the request's framing), a
 *   status declared without a JSON body, a status the operation leaves undeclared — is an
 *   {@link FALLBACK_ERROR_SCHEMA}.
 *
 * @see https://spec.openapis.org/oas/v3.1.0#responses-object
 */
import type { Contract } from './contract.js';

/** The component every error answer follows unless the contract declares another schema for it. */
const FALLBACK_ERROR_SCHEMA = 'ApiErrorResponse';

/** The validator the answer to an error `status` of a request routed to `operationId` must satisfy. */
export function operationErrorValidator(contract: Contract, operationId: string, status: number): string {
  return contract.declaredResponse(operationId, status)?.validator ?? contract.componentValidator(FALLBACK_ERROR_SCHEMA);
}

/** The validator a 405 answer on `path` must satisfy. */
export function methodNotAllowedValidator(contract: Contract, path: string): string {
  for (const operation of contract.operations) {
    if (operation.path !== path) continue;
    const declared = contract.declaredResponse(operation.id, 405);
    if (declared !== undefined && declared.key !== 'default' && declared.validator !== null) return declared.validator;
  }
  return contract.componentValidator(FALLBACK_ERROR_SCHEMA);
}

/** The validator every error answered before routing must satisfy. */
export function unroutedErrorValidator(contract: Contract): string {
  return contract.componentValidator(FALLBACK_ERROR_SCHEMA);
}
