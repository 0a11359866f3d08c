/**
 * What a request's head says about the message: its `Host` and whether it announces a body. Documents, and the
 * operations that declare no request body, take none and are answered from the head alone, so a body is never
 * read (an operation that declares one reads it within its own bound, `request-body.ts`, and is judged on its
 * `Host` only here):
 *
 * - `Host` (RFC 9112 §3.2): an HTTP/1.1 request without one, with more than one, or with a value that is not a
 *   host is answered 400.
 * - A body (RFC 9112 §6.3): a request announcing one of at most {@link BODY_LIMIT_BYTES} gets its normal answer;
 *   a longer one, or one of unknown length (any `Transfer-Encoding`, e.g. chunked), gets 413. Either way the
 *   connection is closed right after the answer (see `server.ts`), so the unread body is never drained.
 *
 * Per request this is a walk over the raw header names, one short regex test and two header lookups.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { BadRequestError, ContentTooLargeError, type HttpError } from '../errors.js';
import { MALFORMED_ROUTE } from '../observability/metrics.js';
import type { RouteState } from './request-state.js';

/**
 * Largest body a request may announce and still get its normal answer (unread). A client library that attaches
 * a small body to a GET (some do, e.g. `{}`) keeps working; anything larger is not a request for these documents.
 */
const BODY_LIMIT_BYTES = 1024;

/**
 * A `Host` value (RFC 9110 §7.2: uri-host [":" port]): an IP literal in brackets, or a reg-name / IPv4 address,
 * then an optional port. The two alternatives and the port start with distinct characters, so the test is linear.
 */
const HOST = /^(?:\[[0-9A-Za-z:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/** Whether the request announces a body: `Content-Length` above 0, or any `Transfer-Encoding`. */
export function announcesBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length']) > 0;
}

/** Why the request's `Host` is refused, or `undefined` when it is acceptable. */
function hostProblem(req: IncomingMessage): string | undefined {
  // Node keeps only the first of repeated Host headers in `req.headers`; the raw list has them all.
  const raw = req.rawHeaders;
  let count = 0;
  let host = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      count += 1;
      host = raw[i + 1] as string;
    }
  }
  if (count > 1) return 'The request has more than one Host header';
  if (count === 0) {
    // HTTP/1.0 predates Host; every later version requires it.
    return req.httpVersionMajor === 1 && req.httpVersionMinor === 0 ? undefined : 'The request has no Host header';
  }
  return HOST.test(host) ? undefined : 'The Host header is not a valid host';
}

/** The 400 a request's `Host` earns, or `undefined` when it is acceptable. */
export function hostError(req: IncomingMessage): HttpError | undefined {
  const problem = hostProblem(req);
  return problem === undefined ? undefined : new BadRequestError(problem);
}

/** The error the framing of a request that takes no body earns, or `undefined` when its head is acceptable. */
export function framingError(req: IncomingMessage): HttpError | undefined {
  const host = hostError(req);
  if (host !== undefined) return host;
  const headers = req.headers;
  const detail = { limitBytes: BODY_LIMIT_BYTES };
  if (headers['transfer-encoding'] !== undefined) {
    return new ContentTooLargeError('The request announces a body of unknown length; this operation takes no body', detail);
  }
  if (Number(headers['content-length']) > BODY_LIMIT_BYTES) {
    return new ContentTooLargeError(`The request announces a body over ${BODY_LIMIT_BYTES} bytes; this operation takes no body`, detail);
  }
  return undefined;
}

/**
 * Closes the connection once the answer is handed to the kernel, without reading what remains of the request's
 * body: Node would otherwise read (and discard) all of it to reach the next request, however long it is.
 */
export function closeUnread(req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
  res.once('finish', () => req.socket.destroy());
}

/**
 * Refuses a request whose head is not acceptable (see the module comment), before routing: throws `error` (the
 * 400 or 413 of {@link framingError}), labels the request `(malformed)` for the metrics and closes the connection
 * after the answer (like nginx, a client that frames requests wrongly gets no further ones read). `path`: the path
 * of `openapi.json` the request is for, if any, whose operation's declarations its error follows.
 */
export function refuseBadFraming(ctx: Context, error: HttpError, path?: string): never {
  const state = ctx.state as RouteState;
  state.route = MALFORMED_ROUTE;
  state.refusedFor = path;
  ctx.res.shouldKeepAlive = false;
  throw error;
}
