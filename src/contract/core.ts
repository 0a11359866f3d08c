/**
 * What a loaded contract answers, independent of where the answers come from: openapi-backend initialised at
 * startup (`backend-core.ts`), or the record of openapi-backend's answers that the build compiled for the very
 * same `openapi.json` (`compiled-core.ts`).
 */
import type { OperationMethod } from './operation-id.js';
import type { RouteTable } from './routes.js';
import type { SchemaError } from './schema-problems.js';

/** An operation as the HTTP layer needs it. */
export interface ContractOperation {
  readonly id: string;
  readonly method: OperationMethod;
  readonly path: string;
  /**
   * True when the operation declares no parameters and no request body: then nothing in a request can change
   * the validation result, which was computed once at load. Otherwise requests are validated one by one.
   */
  readonly staticRequest: boolean;
  /** Query parameter names the operation declares; other query parameters (cache-busters) are ignored. */
  readonly queryParameters: ReadonlySet<string>;
}

/** A request as the contract validates it. */
export interface ContractRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A compiled schema validator (Ajv's, compiled at startup or generated as standalone code by the build). */
export interface Validator {
  (data: unknown): boolean;
  errors?: readonly SchemaError[] | null;
}

/** Where a contract's answers come from. */
export type ContractSource = 'openapi-backend' | 'compiled';

/** The answers of a loaded contract. */
export interface ContractCore {
  readonly source: ContractSource;
  readonly operations: readonly ContractOperation[];
  readonly routes: RouteTable<ContractOperation>;
  /** Errors of a request to an operation with parameters or a body, or null when it is valid. */
  requestErrors(operation: ContractOperation, request: ContractRequest): readonly SchemaError[] | null;
  /** The validator of an operation's `status` response body, if `openapi.json` gives it a JSON schema. */
  responseValidator(operationId: string, status: number): Validator | undefined;
  /** The validator of `components.schemas[name]`, if the document has it. */
  componentValidator(name: string): Validator | undefined;
  /** The dereferenced `components.schemas[name]`, if the document has it. */
  componentSchema(name: string): Readonly<Record<string, unknown>> | undefined;
}
