/**
 * The route table: openapi-backend's routing decisions, taken once per document load and then looked up per
 * request. openapi-backend's own `matchOperation` re-flattens every operation with lodash on each call; the answer
 * only changes when `openapi.json` does.
 */
import type { Backend } from './backend.js';
import { OPERATION_METHODS, type OperationMethod } from './operation-id.js';

/** What a request resolves to. */
export type RouteMatch<Op> =
  | { readonly kind: 'operation'; readonly operation: Op }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

interface PathEntry<Op> {
  readonly byMethod: ReadonlyMap<string, RouteMatch<Op>>;
  readonly notAllowed: RouteMatch<Op>;
}

/** The methods a path answers: its operations, HEAD wherever GET is (RFC 9110 §9.3.2), and OPTIONS for CORS. */
export function allowedMethods(methods: Iterable<OperationMethod>): string[] {
  const allow = new Set<string>();
  for (const method of methods) allow.add(method.toUpperCase());
  if (allow.has('GET')) allow.add('HEAD');
  allow.add('OPTIONS');
  return [...allow];
}

/**
 * Maps (method, path) to an operation. Paths without templates are resolved from a table built once from
 * openapi-backend's router; templated paths, if a future `openapi.json` has any, are asked of the router itself.
 */
export class RouteTable<Op> {
  readonly #static = new Map<string, PathEntry<Op>>();
  readonly #backend: Backend;
  readonly #templated: boolean;
  readonly #notFound: RouteMatch<Op> = Object.freeze({ kind: 'not-found' });
  readonly #resolve: (operationId: string) => Op;

  constructor(backend: Backend, resolve: (operationId: string) => Op) {
    this.#backend = backend;
    this.#resolve = resolve;
    const byPath = new Map<string, Map<OperationMethod, string>>();
    for (const operation of backend.getOperations()) {
      const methods = byPath.get(operation.path) ?? new Map<OperationMethod, string>();
      methods.set(operation.method as OperationMethod, operation.operationId ?? '');
      byPath.set(operation.path, methods);
    }
    this.#templated = [...byPath.keys()].some((path) => path.includes('{'));
    for (const [path, methods] of byPath) {
      if (path.includes('{')) continue;
      const byMethod = new Map<string, RouteMatch<Op>>();
      for (const [method, operationId] of methods) {
        // Ask the router itself, so the table holds openapi-backend's decision and not a re-implementation.
        const routed = backend.router.matchOperation({ method, path, headers: {} });
        const id = routed?.operationId ?? operationId;
        byMethod.set(method.toUpperCase(), Object.freeze({ kind: 'operation', operation: resolve(id) }));
      }
      const get = byMethod.get('GET');
      if (get !== undefined && !byMethod.has('HEAD')) byMethod.set('HEAD', get);
      const notAllowed = Object.freeze({ kind: 'method-not-allowed', allow: Object.freeze(allowedMethods(methods.keys())) });
      this.#static.set(path, { byMethod, notAllowed });
    }
  }

  /** Resolves a request. `path` is the URL path without the query string. */
  match(method: string, path: string): RouteMatch<Op> {
    const normalized = this.#backend.router.normalizePath(path);
    const entry = this.#static.get(normalized);
    if (entry !== undefined) return entry.byMethod.get(method) ?? entry.notAllowed;
    return this.#templated ? this.#matchTemplated(method, normalized) : this.#notFound;
  }

  #matchTemplated(method: string, path: string): RouteMatch<Op> {
    const router = this.#backend.router;
    const lookup = (m: string) => router.matchOperation({ method: m.toLowerCase(), path, headers: {} });
    const direct = lookup(method) ?? (method === 'HEAD' ? lookup('GET') : undefined);
    if (direct?.operationId !== undefined) return { kind: 'operation', operation: this.#resolve(direct.operationId) };
    const methods = OPERATION_METHODS.filter((m) => lookup(m) !== undefined);
    if (methods.length === 0) return this.#notFound;
    return { kind: 'method-not-allowed', allow: allowedMethods(methods) };
  }
}
