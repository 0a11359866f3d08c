/**
 * The contract dispatch: routes a request with the contract's route table and answers with the operation's
 * prebuilt representation. Per request this is a table lookup, a state read and a header comparison; the
 * routing, validation and serialization were done when the contract or the documents last changed.
 */
import type { Context } from 'koa';
import type { CompiledOperation, Contract } from '../contract/contract.js';
import type { PublishedDocuments } from '../documents/registry.js';
import { BadRequestError, MethodNotAllowedError, NotFoundError } from '../errors.js';
import { ifNoneMatchHits } from './conditional.js';
import type { CorsPolicy } from './cors.js';
import type { SyncHandler } from './handler.js';

/** What the dispatch needs besides the contract. */
export interface DispatchOptions {
  readonly documents: PublishedDocuments;
  readonly cors: CorsPolicy;
  /** `Cache-Control` of successful answers. */
  readonly cacheControl: string;
}

/** State the dispatch leaves for the request logger and metrics. */
export interface RouteState {
  /** The matched path template of `openapi.json`, a bounded label set for metrics. */
  route?: string;
}

/** The methods a path answers: its operations, HEAD wherever GET is (RFC 9110 §9.3.2), and OPTIONS for CORS. */
function allowedMethods(methods: Iterable<string>): string[] {
  const allow = new Set<string>();
  for (const method of methods) allow.add(method.toUpperCase());
  if (allow.has('GET')) allow.add('HEAD');
  allow.add('OPTIONS');
  return [...allow];
}

/** Creates the dispatch: the innermost layer, which answers every request that reaches it. */
export function dispatch(contract: Contract, options: DispatchOptions): SyncHandler {
  const { documents, cors, cacheControl } = options;
  const routes = new Map<string, { byMethod: Map<string, CompiledOperation>; allow: string[] }>();
  for (const operation of contract.operations) {
    const route = routes.get(operation.path) ?? { byMethod: new Map<string, CompiledOperation>(), allow: [] };
    route.byMethod.set(operation.method.toUpperCase(), operation);
    if (operation.method === 'get' && !route.byMethod.has('HEAD')) route.byMethod.set('HEAD', operation);
    routes.set(operation.path, route);
  }
  for (const route of routes.values()) route.allow = allowedMethods(route.byMethod.keys());
  return function contractDispatch(ctx: Context): undefined {
    const path = ctx.path;
    // Only origin-form and absolute-form targets name a resource here (RFC 9112 §3.2); `*` and authority-form
    // are malformed for these endpoints.
    if (path.charCodeAt(0) !== 47 /* / */) throw new BadRequestError('The request target is not a path');
    const route = routes.get(path);
    if (route === undefined) throw new NotFoundError('No resource exists at this path');
    const operation = route.byMethod.get(ctx.method);
    if (operation === undefined) {
      if (ctx.method === 'OPTIONS') {
        cors.answerOptions(ctx, route.allow);
        return;
      }
      throw new MethodNotAllowedError(ctx.method, route.allow);
    }
    (ctx.state as RouteState).route = operation.path;
    const state = documents.get(operation.id).state;
    if (!state.ok) throw state.error;
    const { body, etag } = state.representation;
    // setHeader directly: what ctx.set does for a string value, without its per-call arrays. Nothing has been
    // sent yet (this is the only place that answers), which ctx.set would otherwise check.
    const res = ctx.res;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', cacheControl);
    if (ifNoneMatchHits(ctx.req.headers['if-none-match'], etag)) {
      ctx.status = 304;
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    ctx.body = body;
  };
}
