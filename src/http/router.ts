/**
 * What routes a request on the public port that the front (`front.ts`) did not answer: a table built once from the
 * contract's operations, mapping each path exactly as `openapi.json` spells it (a trailing slash is another path)
 * and each method to the operation's document. The request's framing (`framing.ts`: Host, announced body) is judged
 * first. A document that cannot be served now answers the error it stands for (e.g. 500 while no key is valid);
 * OPTIONS answers 204 with `Allow` and the CORS preflight, any other method 405 with `Allow` (HEAD is allowed
 * wherever GET is, RFC 9110 §9.3.2), any other path 404.
 *
 * A request for no document goes to the run-time tier of the contract's other operations (`operations.ts`), when
 * the contract has any: openapi-backend matches it there, and the tier answers it whole. What no operation matches
 * is answered here (404, 405, OPTIONS), with the methods of templated paths from the tier.
 *
 * Every answer gets the headers every answer carries (`common-headers.ts`). The framing check and the common
 * headers are calls here rather than Koa layers of their own: a pass-through layer costs a bound `next`, a call and
 * a promise per request. The admin listener uses @koa/router.
 */
import type { Middleware } from 'koa';
import type { Contract } from '../contract/contract.js';
import type { PublishedDocument } from '../documents/representation.js';
import type { PublishedDocuments } from '../documents/registry.js';
import { BadRequestError, InternalError, MethodNotAllowedError, NotFoundError } from '../errors.js';
import { commonHeaders } from './common-headers.js';
import type { CorsPolicy } from './cors.js';
import { framingError, refuseBadFraming } from './framing.js';
import type { OperationTier } from './operations.js';
import type { RouteState } from './request-state.js';

/** What the router answers with besides the contract. */
export interface RouterOptions {
  readonly documents: PublishedDocuments;
  readonly cors: CorsPolicy;
  /** The run-time tier of the operations that are not documents; `undefined` when the contract has none. */
  readonly operations?: OperationTier | undefined;
}

interface Route {
  /** The path as `openapi.json` spells it. */
  readonly template: string;
  /** Upper-case method → the operation's document (documents only). */
  readonly methods: ReadonlyMap<string, PublishedDocument>;
  /** The methods of the path, for a 405's `Allow`. */
  readonly allow: readonly string[];
  /** The same as the `Allow` field value of an OPTIONS answer, joined once. */
  readonly allowHeader: string;
}

/** Creates the router middleware, the innermost layer: it answers every request that reaches it. */
export function contractRouter(contract: Contract, options: RouterOptions): Middleware {
  const { documents, cors, operations } = options;
  const methodsByPath = new Map<string, { documents: Map<string, PublishedDocument>; allow: Set<string> }>();
  for (const operation of contract.operations) {
    const route = methodsByPath.get(operation.path) ?? { documents: new Map<string, PublishedDocument>(), allow: new Set<string>() };
    const method = operation.method.toUpperCase();
    route.allow.add(method);
    if (operation.method === 'get') route.allow.add('HEAD');
    if (operation.kind === 'document') {
      const document = documents.get(operation.id);
      route.documents.set(method, document);
      if (method === 'GET') route.documents.set('HEAD', document);
    }
    methodsByPath.set(operation.path, route);
  }
  const routes = new Map<string, Route>();
  for (const [path, route] of methodsByPath) {
    const allow = Object.freeze([...route.allow, 'OPTIONS']);
    routes.set(path, { template: path, methods: route.documents, allow, allowHeader: allow.join(', ') });
  }
  const setCommonHeaders = commonHeaders(cors);

  return function routeToDocument(ctx) {
    const path = ctx.path;
    const route = routes.get(path);
    const state = route?.methods.get(ctx.method)?.state;
    const framing = framingError(ctx.req);
    const operation = state === undefined ? operations?.match(ctx) : undefined;
    if (operation !== undefined) {
      setCommonHeaders(ctx);
      (ctx.state as RouteState).route = operation.path;
      return operations?.answer(ctx, operation);
    }
    // Every other answer goes through Koa, with the headers every answer carries.
    setCommonHeaders(ctx);
    if (framing !== undefined) refuseBadFraming(ctx, framing, route?.template);
    // Only origin-form and absolute-form targets name a resource here (RFC 9112 §3.2); `*` and authority-form
    // are malformed for these endpoints.
    if (path.charCodeAt(0) !== 47 /* / */) throw new BadRequestError('The request target is not a path');
    const methods = route ?? operations?.methodsOf(path);
    if (methods === undefined) throw new NotFoundError('No resource exists at this path');
    (ctx.state as RouteState).route = methods.template;
    if (state !== undefined) {
      // A document the front (`front.ts`) could not answer: it cannot be served now (e.g. no keys), and this is the
      // error it stands for. (The front answers every well-framed request for a valid one.)
      throw state.ok ? new InternalError() : state.error;
    } else if (ctx.method === 'OPTIONS') cors.answerOptions(ctx, methods.allowHeader);
    else throw new MethodNotAllowedError(ctx.method, methods.allow);
  };
}
