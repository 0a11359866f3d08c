/**
 * The front of the public port: a plain `node:http` request listener before Koa. It answers what nearly all traffic
 * is, a GET or HEAD of a document (an operation answered from one prebuilt, validated representation, see
 * `src/documents/`) whose representation is valid and whose request is well framed (`framing.ts`): per request a
 * lookup, one `res.writeHead(status, fields)` with the fields built once per representation, and `res.end(body)`.
 * It hands every other request to Koa (`app.ts`): errors, 404, 405, OPTIONS and the CORS preflight, framing
 * refusals, the run-time tier of the other operations. Both record the request the same way (`observe.ts`).
 *
 * Why a front rather than answering documents in Koa: written through Koa's response path (`ctx.set`, `ctx.body`,
 * Koa's `respond`, behind two middleware), the same answers measured 1.30-1.36x the instructions per request of
 * the minimal one-middleware Koa app, over the budget of 1.25x; through the front, 0.95-0.99x (callgrind; see
 * docs/architecture.md).
 *
 * The conditional GET (RFC 9110 §13.1.2), where the operation declares a 304: an `If-None-Match` holding the tag,
 * a list containing it, its weak form, or `*` answers 304 Not Modified without a body (the comparison is weak, as
 * §13.1.2 requires).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Contract } from '../contract/contract.js';
import type { Representation } from '../documents/representation.js';
import type { PublishedDocuments } from '../documents/registry.js';
import { commonFields } from './common-headers.js';
import type { RequestListener } from './connections.js';
import type { CorsPolicy } from './cors.js';
import { framingError } from './framing.js';
import type { DrainState, RequestObserver } from './observe.js';
import { REQUEST_ID_FIELD, requestIdOf } from './request-id.js';

/** What the front is built from. */
export interface FrontOptions {
  readonly contract: Contract;
  readonly documents: PublishedDocuments;
  readonly cors: CorsPolicy;
  /** `Cache-Control` of successful answers. */
  readonly cacheControl: string;
  readonly drain: DrainState;
  readonly record: RequestObserver;
  /** Where every request the front does not answer goes: Koa's `callback()`. */
  readonly next: RequestListener;
}

/**
 * The fields of one answer as `writeHead` takes them (`[name, value, name, value, ...]`), the request id's value
 * first: a slot filled for the request being answered and emptied right after (`writeHead` reads the list at once).
 */
type Head = string[];

/** The heads of a representation's answers: 200 (GET and HEAD) and 304. */
interface Heads {
  readonly ok: Head;
  readonly notModified: Head;
}

/** Scheme and authority of an absolute-form request target (RFC 9112 §3.2.2), which the path follows. */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]*/;

/** The path of a request target as Koa's `ctx.path` reads it: origin-form up to its query, or absolute-form's path. */
function pathOf(target: string): string {
  const start = target.charCodeAt(0) === 47 /* / */ ? 0 : (ABSOLUTE_FORM.exec(target)?.[0].length ?? 0);
  const query = target.indexOf('?', start);
  return query < 0 ? target.slice(start) : target.slice(start, query);
}

/**
 * Whether an `If-None-Match` field value matches `etag` (a quoted strong tag). Not the `fresh` module Koa uses: it
 * answers 200 to any request carrying `Cache-Control: no-cache`, which `fetch()` adds to every conditional request
 * (Fetch §4.5), so browsers and Node's fetch would never get their 304; that directive is for caches (RFC 9111
 * §5.2.1.4), and an origin server evaluates `If-None-Match` regardless.
 */
function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined || header === '') return false;
  if (header === etag) return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

/** The front's request listener (see the module comment). */
export function documentFront(options: FrontOptions): RequestListener {
  const { contract, documents, cors, drain, record, next } = options;
  const byPath = new Map(
    contract.operations
      .filter((operation) => operation.kind === 'document')
      .map((operation) => [operation.path, documents.get(operation.id)]),
  );
  const common = commonFields(cors).flat();
  // A key reload makes a new representation, and the old one's heads go with it.
  const heads = new WeakMap<Representation, Heads>();
  const headsOf = (representation: Representation): Heads => {
    let found = heads.get(representation);
    if (found === undefined) {
      // RFC 9110 §15.4.5: a 304 carries the fields a 200 would have sent among Cache-Control, ETag and Vary.
      const notModified = [REQUEST_ID_FIELD, '', ...common, 'ETag', representation.etag, 'Cache-Control', options.cacheControl];
      const length = String(representation.body.length);
      found = { notModified, ok: [...notModified, 'Content-Type', representation.mediaType, 'Content-Length', length] };
      heads.set(representation, found);
    }
    return found;
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    const startedMs = performance.now();
    const method = req.method ?? '';
    const path = pathOf(req.url ?? '');
    const state = method === 'GET' || method === 'HEAD' ? byPath.get(path)?.state : undefined;
    if (state?.ok !== true || framingError(req) !== undefined) return next(req, res);
    // During shutdown every answer closes its connection (Node then sends `Connection: close`), so keep-alive
    // clients reconnect to another replica.
    if (drain.draining) res.shouldKeepAlive = false;
    const requestId = requestIdOf(req.headers['x-request-id']);
    const representation = state.representation;
    const notModified = representation.notModified && ifNoneMatchHits(req.headers['if-none-match'], representation.etag);
    const answerHeads = headsOf(representation);
    const own = notModified ? answerHeads.notModified : answerHeads.ok;
    const varying = cors.originHeaders(req.headers.origin);
    const head = varying.length === 0 ? own : own.concat(varying);
    const status = notModified ? 304 : 200;
    head[1] = requestId;
    try {
      res.writeHead(status, head);
    } finally {
      head[1] = '';
    }
    // Node sends no body for HEAD (the fields say what GET would send) nor for 304.
    res.end(notModified ? undefined : representation.body);
    record({ requestId, method, path, route: path, status, startedMs });
    return undefined;
  };
}
