/**
 * Request identity, errors, logging and metrics: the outermost middleware. It gives each request its id (echoed
 * in `X-Request-Id`), has whatever the router throws answered by the one error renderer (`errors.ts`), and once
 * the answer is set records it: one log line (method, path, status, duration, request id) and the request
 * metrics. This is the single place requests and their errors are logged.
 *
 * The error renderer is called from this layer's rejection handler rather than being a Koa layer of its own:
 * that layer (a bound `next`, a call, a promise and a closure per request) measured ~3.5 % of the server's CPU
 * per request (both servers loaded at once on one core, against a minimal Koa app, 304 answers).
 */
import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { primitivesLogger, requestLineWriter, type Logger } from '../observability/logger.js';
import { MALFORMED_ROUTE, UNKNOWN_METHOD, UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.js';
import type { ServerEvents } from './client-error.js';
import type { ErrorState, RouteState } from './request-state.js';

/** A client-supplied `X-Request-Id` is kept when it looks like an id, so it can be traced across hops. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The request id: the client's when well-formed, otherwise a new UUID. */
function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** Whether the server is draining; responses then carry `Connection: close`. */
export interface DrainState {
  readonly draining: boolean;
}

/** Observes every request: its id, then the metrics and the one log line. */
export function observe(
  logger: Logger,
  metrics: Metrics,
  drain: DrainState,
  answerError: (ctx: Context, thrown: unknown) => void,
): Middleware {
  const writeLine = requestLineWriter(logger);
  /** Records one answered request: the metrics, then the log line (the error's, with its cause, for a 5xx). */
  const record = (ctx: Context, requestId: string, startedMs: number): void => {
    const ms = performance.now() - startedMs;
    const state = ctx.state as RouteState & ErrorState;
    // The values of `ctx.status` and `ctx.method`, read without Koa's delegating getters.
    const status = ctx.res.statusCode;
    const method = ctx.req.method ?? '';
    const durationMs = Math.round(ms * 1e3) / 1e3;
    try {
      metrics.observeRequest(state.route ?? UNMATCHED_ROUTE, method, status, ms / 1e3);
      const line = { requestId, method, path: ctx.path, status, durationMs };
      if (status >= 500) logger.error({ ...line, err: state.error?.cause ?? state.error }, 'request failed');
      else writeLine(line);
    } catch (error) {
      // The answer is ready: a failing log destination (a full or closed stdout) must not turn it into Koa's
      // text 500. Say so on stderr once, not once per request.
      warnOnce(error);
    }
  };
  return function observeRequest(ctx, next) {
    const startedMs = performance.now();
    const requestId = requestIdOf(ctx.req.headers['x-request-id']);
    ctx.set('X-Request-Id', requestId);
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
}

let warned = false;
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
