/**
 * Request identity, errors, logging and metrics: the outermost middleware. It gives each request its id (echoed
 * in `X-Request-Id`, see `request-id.ts`; left on `ctx.state` for the router, which writes a document's answer
 * whole), has whatever the router throws answered by the one error renderer (`errors.ts`), and once the answer
 * is set records it for the log line and the metrics (`request-records.ts`, written per batch). This is the
 * single place requests and their errors are logged.
 *
 * The error renderer is called from this layer's rejection handler rather than being a Koa layer of its own:
 * that layer (a bound `next`, a call, a promise and a closure per request) measured ~3.5 % of the server's CPU
 * per request (both servers loaded at once on one core, against a minimal Koa app, 304 answers).
 */
import type { Context, Middleware } from 'koa';
import { primitivesLogger, type Logger } from '../observability/logger.js';
import { MALFORMED_ROUTE, UNKNOWN_METHOD, UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.js';
import { RequestRecords } from '../observability/request-records.js';
import type { ServerEvents } from './client-error.js';
import { REQUEST_ID_FIELD, requestIdOf } from './request-id.js';
import type { ErrorState, RequestIdState, RouteState } from './request-state.js';

/** Whether the server is draining; responses then carry `Connection: close`. */
export interface DrainState {
  readonly draining: boolean;
}

/** The observing middleware, and the flush of what it has recorded but not yet written. */
export interface Observer {
  readonly middleware: Middleware;
  /** Writes the pending request lines and metrics now (at shutdown and exit). */
  readonly flush: () => void;
}

/** Observes every request: its id, then its record for the log line and the metrics. */
export function observe(
  logger: Logger,
  metrics: Metrics,
  drain: DrainState,
  answerError: (ctx: Context, thrown: unknown) => void,
): Observer {
  const records = new RequestRecords(logger, metrics, warnOnce);
  const record = (ctx: Context, requestId: string, startedMs: number): void => {
    const endedMs = performance.now();
    // The router writes a document's answer whole, the id among its fields; Koa writes every other answer after
    // this layer returns.
    if (!ctx.res.headersSent) ctx.res.setHeader(REQUEST_ID_FIELD, requestId);
    const state = ctx.state as RouteState & ErrorState;
    records.add({
      requestId,
      // The values of `ctx.method` and `ctx.status`, read without Koa's delegating getters.
      method: ctx.req.method ?? '',
      path: ctx.path,
      route: state.route ?? UNMATCHED_ROUTE,
      status: ctx.res.statusCode,
      startedMs,
      endedMs,
      error: state.error,
    });
  };
  const middleware: Middleware = function observeRequest(ctx, next) {
    const startedMs = performance.now();
    const requestId = requestIdOf(ctx.req.headers['x-request-id']);
    (ctx.state as RequestIdState).requestId = requestId;
    // During shutdown every answer closes its connection, so keep-alive clients reconnect to another replica
    // instead of sending a request to a socket that is about to close. Node then sends `Connection: close`. Set
    // before the layers below run, so the server knows it before the answer is written (see `server.ts`).
    if (drain.draining) ctx.res.shouldKeepAlive = false;
    return next().then(
      () => record(ctx, requestId, startedMs),
      (error: unknown) => {
        answerError(ctx, error);
        record(ctx, requestId, startedMs);
      },
    );
  };
  return { middleware, flush: () => records.flush() };
}

let warned = false;
/**
 * The answer was ready long before: a failing log destination (a full or closed stdout) must not turn answers into
 * Koa's text 500. Said on stderr once, not once per request.
 */
function warnOnce(error: unknown): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`request logging failed; answers continue unlogged: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * What a listener answers or closes on its own, observed like requests: a malformed request is one log line (its
 * status, the parser's error code and the request id it was answered with; never its bytes) and, with `metrics`,
 * a count under route `(malformed)`; connections closed unanswered are counted.
 */
export function observeTransport(logger: Logger, metrics?: Metrics): ServerEvents {
  const requests = primitivesLogger(logger);
  return {
    malformed({ status, requestId, code, parserCode }) {
      metrics?.observeRequest(MALFORMED_ROUTE, UNKNOWN_METHOD, status);
      try {
        requests.info({ requestId, status, code, parserCode }, 'malformed request');
      } catch (error) {
        warnOnce(error);
      }
    },
    dropped(reason) {
      metrics?.connectionDropped(reason);
    },
  };
}
