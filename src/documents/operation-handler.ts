/**
 * The interface handlers of operations implement: the operations of `openapi.json` that are not prebuilt
 * documents (they take parameters or a body, or answer other than 200; `scripts/contract/shapes.ts`). The handler
 * receives the request's inputs, validated against the contract by openapi-backend (`src/http/operations.ts`),
 * and returns a success status the operation declares with its body, which is validated before it is sent.
 * Throwing an `HttpError` (e.g. `NotFoundError`) answers that error in the shape the operation declares for it.
 *
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 */
import type { OperationId, OperationInput, OperationResult } from '../../generated/operations.js';

/** The handler of operation K, typed from `generated/`: its validated inputs in, a declared status and body out. */
export type OperationHandler<K extends OperationId> = (input: OperationInput<K>) => OperationResult<K> | Promise<OperationResult<K>>;

/**
 * Any operation's handler, as the run-time tier holds it: every {@link OperationHandler} is one, and the tier calls
 * it only with inputs that passed the operation's schemas, which is what its {@link OperationInput} types.
 */
export type AnyOperationHandler = (input: never) => unknown;
