/**
 * Stable identifiers for the operations of `openapi.json`.
 *
 * Upstream exports carry no `operationId`s, and openapi-backend keys its validators by operationId. Every layer
 * (code generation, the compiled contract, the handler map, routing) therefore names an operation by its explicit
 * `operationId` when the document has one, and otherwise by an id derived from its method and path. The
 * derivation is deterministic, so everything in `generated/` agrees.
 */
import type { OpenApiDocument } from './spec.js';

/** HTTP methods an OpenAPI Path Item may hold an operation for (OpenAPI 3.1 §4.8.9). */
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** One of {@link OPERATION_METHODS}. */
export type OperationMethod = (typeof OPERATION_METHODS)[number];

/**
 * Derives the id used for an operation without an explicit `operationId`:
 * `get /.well-known/jwks.json` becomes `getWellKnownJwksJson`, and a `{param}` segment becomes `ByParam`.
 */
function deriveOperationId(method: OperationMethod, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment.length > 0)
    .flatMap((segment) => {
      const template = /^\{(.+)\}$/.exec(segment);
      const parts = (template?.[1] ?? segment).split(/[^A-Za-z0-9]+/).filter((part) => part.length > 0);
      return template ? ['by', ...parts] : parts;
    });
  return method + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()).join('');
}

/** The explicit `operationId` when present and non-empty, otherwise {@link deriveOperationId}. */
function operationIdOf(method: OperationMethod, path: string, operation: { operationId?: unknown }): string {
  const explicit = operation.operationId;
  return typeof explicit === 'string' && explicit.length > 0 ? explicit : deriveOperationId(method, path);
}

/** One operation of the document, named as every layer names it. */
export interface OperationRef {
  readonly id: string;
  readonly method: OperationMethod;
  readonly path: string;
}

/** Every operation of the document, in document order. */
export function listOperations(document: OpenApiDocument): OperationRef[] {
  const operations: OperationRef[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (item === undefined) continue;
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (operation !== undefined) operations.push({ id: operationIdOf(method, path, operation), method, path });
    }
  }
  return operations;
}
