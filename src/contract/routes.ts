/**
 * The route table: openapi-backend's routing decisions, taken once per document and then looked up per request.
 * openapi-backend's own `matchOperation` re-flattens every operation with lodash on each call; the answer only
 * changes when `openapi.json` does.
 */
import type { OperationMethod } from './operation-id.js';

/** What a request resolves to. */
export type RouteMatch<Op> =
  | { readonly kind: 'operation'; readonly operation: Op }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

/** Routing decisions for paths without templates: path → upper-case method → operation id. */
export type StaticRoutes = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Routing for what the static table cannot answer (templated paths), with operation ids. */
export type TemplatedRouter = (method: string, path: string) => RouteMatch<string>;

interface PathEntry<Op> {
  readonly byMethod: ReadonlyMap<string, RouteMatch<Op>>;
  readonly notAllowed: RouteMatch<Op>;
}

/** The methods a path answers: its operations, HEAD wherever GET is (RFC 9110 §9.3.2), and OPTIONS for CORS. */
export function allowedMethods(methods: Iterable<string>): string[] {
  const allow = new Set<string>();
  for (const method of methods) allow.add(method.toUpperCase());
  if (allow.has('GET')) allow.add('HEAD');
  allow.add('OPTIONS');
  return [...allow];
}

/** Maps (method, path) to an operation: a table lookup for static paths, the templated router otherwise. */
export class RouteTable<Op> {
  readonly #static = new Map<string, PathEntry<Op>>();
  readonly #notFound: RouteMatch<Op> = Object.freeze({ kind: 'not-found' });
  readonly #resolve: (operationId: string) => Op;
  readonly #templated: TemplatedRouter | undefined;
  /** The static decisions this table was built from. */
  readonly table: StaticRoutes;

  constructor(routes: StaticRoutes, resolve: (operationId: string) => Op, templated?: TemplatedRouter) {
    this.table = routes;
    this.#resolve = resolve;
    this.#templated = templated;
    for (const [path, methods] of Object.entries(routes)) {
      const byMethod = new Map<string, RouteMatch<Op>>();
      for (const [method, operationId] of Object.entries(methods)) {
        byMethod.set(method, Object.freeze({ kind: 'operation', operation: resolve(operationId) }));
      }
      const get = byMethod.get('GET');
      if (get !== undefined && !byMethod.has('HEAD')) byMethod.set('HEAD', get);
      const allow = Object.freeze(allowedMethods(Object.keys(methods).map((method) => method.toLowerCase() as OperationMethod)));
      this.#static.set(path, { byMethod, notAllowed: Object.freeze({ kind: 'method-not-allowed', allow }) });
    }
  }

  /**
   * Resolves a request. `path` is the URL path without the query string, matched exactly as `openapi.json` spells
   * it: `/.well-known/jwks.json/` is not `/.well-known/jwks.json` (openapi-backend runs with
   * `ignoreTrailingSlashes: false`), so the public port serves exactly the contract's paths.
   */
  match(method: string, path: string): RouteMatch<Op> {
    const entry = this.#static.get(path);
    if (entry !== undefined) return entry.byMethod.get(method) ?? entry.notAllowed;
    if (this.#templated === undefined) return this.#notFound;
    const routed = this.#templated(method, path);
    return routed.kind === 'operation' ? { kind: 'operation', operation: this.#resolve(routed.operation) } : routed;
  }
}
