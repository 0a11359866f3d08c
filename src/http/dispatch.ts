/**
 * The contract dispatch: routes a request with the contract's route table and answers with the operation's
 * prebuilt representation. Per request this is a table lookup, a state read and a header comparison; the
 * routing, validation and serialization were done when the contract or the documents last changed.
 */
import type { Context } from 'koa';
import type { Contract } from '../contract/contract.js';
import type { PublishedDocuments } from '../contract/handlers.js';
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

/** Creates the dispatch: the innermost layer, which answers every request that reaches it. */
export function dispatch(contract: Contract, options: DispatchOptions): SyncHandler {
  const { documents, cors, cacheControl } = options;
  return function contractDispatch(ctx: Context): undefined {
    const path = ctx.path;
    // Only origin-form and absolute-form targets name a resource here (RFC 9112 §3.2); `*` and authority-form
    // are malformed for these endpoints.
    if (path.charCodeAt(0) !== 47 /* / */) throw new BadRequestError('The request target is not a path');
    const match = contract.match(ctx.method, path);
    if (match.kind === 'not-found') throw new NotFoundError('No resource exists at this path');
    if (match.kind === 'method-not-allowed') {
      if (ctx.method === 'OPTIONS') {
        cors.answerOptions(ctx, match.allow);
        return;
      }
      throw new MethodNotAllowedError(ctx.method, match.allow);
    }
    const operation = match.operation;
    (ctx.state as RouteState).route = operation.path;
    if (!operation.staticRequest) {
      contract.validateRequest(operation, { method: ctx.method, path, query: ctx.query, headers: ctx.headers });
    }
    const state = documents.state(operation.id);
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
