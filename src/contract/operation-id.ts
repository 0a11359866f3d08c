/**
 * Stable identifiers for the operations of `openapi.json`.
 *
 * Upstream exports carry no `operationId`s, and openapi-backend keys its validators by operationId. Every layer
 * (code generation, routing, validation, the handler map) therefore names an operation by its explicit
 * `operationId` when the document has one, and otherwise by an id derived from its method and path. The
 * derivation is deterministic, so `generated/` and the running server always agree.
 */

/** HTTP methods an OpenAPI Path Item may hold an operation for (OpenAPI 3.1 §4.8.9). */
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** One of {@link OPERATION_METHODS}. */
export type OperationMethod = (typeof OPERATION_METHODS)[number];

/**
 * Derives the id used for an operation without an explicit `operationId`:
 * `get /.well-known/jwks.json` becomes `getWellKnownJwksJson`, and a `{param}` segment becomes `ByParam`.
 */
export function deriveOperationId(method: OperationMethod, path: string): string {
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
export function operationIdOf(method: OperationMethod, path: string, operation: { operationId?: unknown }): string {
  const explicit = operation.operationId;
  return typeof explicit === 'string' && explicit.length > 0 ? explicit : deriveOperationId(method, path);
}
