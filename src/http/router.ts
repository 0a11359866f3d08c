/**
 * What routes a request on the public port: a table built once from the contract's operations, mapping each path
 * exactly as `openapi.json` spells it (a trailing slash is another path) and each method to the operation's
 * document. HEAD is answered wherever GET is (RFC 9110 §9.3.2), OPTIONS with 204, `Allow` and the CORS preflight,
 * any other method with 405 and `Allow`, any other path with 404. The request's framing (`framing.ts`: Host,
 * announced body) is judged before anything is answered.
 *
 * A request for no document goes to the run-time tier of the contract's other operations (`operations.ts`), when
 * the contract has any: openapi-backend matches it there, and the tier answers it whole. What no operation matches
 * is answered here (404, 405, OPTIONS), with the methods of templated paths from the tier.
 *
 * A document whose request is well framed is answered whole, its head prebuilt (`answer.ts`). Every other answer
 * gets the headers every answer carries (`common-headers.ts`) and goes through Koa. The framing check and the
 * common headers are calls here rather than Koa layers of their own: a pass-through layer costs a bound `next`, a
 * call and a promise per request, and one such layer measured ~3.5 % of the server CPU per request (`observe.ts`).
 *
 * Hand-written rather than @koa/router: in the same Koa chain with the request log on, `routes()` +
 * `allowedMethods()` measured 21-28% more server CPU per request than this lookup (both servers loaded at once on
 * one core: it matches every layer's regexp, composes the matched layers into a new chain on every request and
 * adds a promise layer for `allowedMethods`), more than the whole 15% budget over a minimal Koa app. The admin
 * listener, where cost does not matter, uses @koa/router.
 */
import type { Middleware } from 'koa';
import type { Contract } from '../contract/contract.js';
import type { PublishedDocument } from '../documents/representation.js';
import type { PublishedDocuments } from '../documents/registry.js';
import { BadRequestError, MethodNotAllowedError, NotFoundError } from '../errors.js';
import { DocumentAnswers } from './answer.js';
import { commonFields, commonHeaders } from './common-headers.js';
import type { CorsPolicy } from './cors.js';
import { framingError, refuseBadFraming } from './framing.js';
import type { OperationTier } from './operations.js';
import type { RequestIdState, RouteState } from './request-state.js';

/** What the router answers with besides the contract. */
export interface RouterOptions {
  readonly documents: PublishedDocuments;
  readonly cors: CorsPolicy;
  /** `Cache-Control` of successful answers. */
  readonly cacheControl: string;
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
  const { documents, cors, cacheControl, operations } = options;
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
  const answers = new DocumentAnswers({ common: commonFields(cors), cacheControl });

  return function routeToDocument(ctx) {
    const path = ctx.path;
    const route = routes.get(path);
    const state = route?.methods.get(ctx.method)?.state;
    const framing = framingError(ctx.req);
    if (state?.ok === true && framing === undefined) {
      // The common case: a document, answered with its head prebuilt (`answer.ts`).
      (ctx.state as RouteState).route = path;
      const varying = cors.originHeaders(ctx.req.headers.origin);
      answers.answer(ctx, state.representation, (ctx.state as RequestIdState).requestId ?? '', varying);
      return;
    }
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
      // A document that cannot be served now (e.g. no keys): the error it stands for.
      if (!state.ok) throw state.error;
    } else if (ctx.method === 'OPTIONS') cors.answerOptions(ctx, methods.allowHeader);
    else throw new MethodNotAllowedError(ctx.method, methods.allow);
  };
}
