/**
 * Request identity, errors, logging and metrics. {@link requestObserver} is the one place a request is recorded:
 * its log line and its metrics, for every request the front (`front.ts`) or Koa answers. {@link observe} is the
 * outermost middleware of the Koa path: it gives the request its id (echoed in `X-Request-Id`, see
 * `request-id.ts`), has whatever the layers below throw answered by the one error renderer (`errors.ts`) and
 * records the answer.
 *
 * The error renderer is called from this layer's rejection handler rather than being a Koa layer of its own:
 * that layer (a bound `next`, a call, a promise and a closure per request) measured ~3.5 % of the server's CPU
 * per request (both servers loaded at once on one core, against a minimal Koa app, 304 answers).
 */
import type { Context, Middleware } from 'koa';
import type { HttpError } from '../errors.js';
import { primitivesLogger, type Logger } from '../observability/logger.js';
import { MALFORMED_ROUTE, UNKNOWN_METHOD, UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.js';
import type { ServerEvents } from './client-error.js';
import { REQUEST_ID_FIELD, requestIdOf } from './request-id.js';
import type { ErrorState, RouteState } from './request-state.js';

/** Whether the server is draining; responses then carry `Connection: close`. */
export interface DrainState {
  readonly draining: boolean;
}

/** What one answered request is recorded with. */
export interface RequestRecord {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** The route label of the metrics: the path template of `openapi.json`, or a fixed label. */
  readonly route: string;
  readonly status: number;
  /** `performance.now()` when the request reached the application. */
  readonly startedMs: number;
  /** The error answered, logged with its cause when the status is 500 or more. */
  readonly error?: HttpError | undefined;
}

/** Records answered requests: one log line each (`request`, or `request failed` with the cause for a 5xx) and the metrics. */
export type RequestObserver = (record: RequestRecord) => void;

/** The recorder of one listener's requests. */
export function requestObserver(logger: Logger, metrics: Metrics): RequestObserver {
  const lines = primitivesLogger(logger);
  return ({ requestId, method, path, route, status, startedMs, error }) => {
    const ms = performance.now() - startedMs;
    metrics.observeRequest(route, method, status, ms / 1e3);
    const durationMs = Math.round(ms * 1e3) / 1e3;
    try {
      if (status >= 500) logger.error({ requestId, method, path, status, durationMs, err: error?.cause ?? error }, 'request failed');
      else lines.info({ requestId, method, path, status, durationMs }, 'request');
    } catch {
      // The answer is sent: a failing destination must not turn it into an error. The server's own destination
      // reports its failures itself (`log-output.ts`).
    }
  };
}

/** The outermost middleware of the Koa path: the request's id, its errors answered, its record. */
export function observe(record: RequestObserver, drain: DrainState, answerError: (ctx: Context, thrown: unknown) => void): Middleware {
  const done = (ctx: Context, requestId: string, startedMs: number): void => {
    ctx.res.setHeader(REQUEST_ID_FIELD, requestId);
    const state = ctx.state as RouteState & ErrorState;
    record({
      requestId,
      // The values of `ctx.method` and `ctx.status`, read without Koa's delegating getters.
      method: ctx.req.method ?? '',
      path: ctx.path,
      route: state.route ?? UNMATCHED_ROUTE,
      status: ctx.res.statusCode,
      startedMs,
      error: state.error,
    });
  };
  return function observeRequest(ctx, next) {
    const startedMs = performance.now();
    const requestId = requestIdOf(ctx.req.headers['x-request-id']);
    // During shutdown every answer closes its connection, so keep-alive clients reconnect to another replica
    // instead of sending a request to a socket that is about to close. Node then sends `Connection: close`. Set
    // before the layers below run, so the server knows it before the answer is written (see `server.ts`).
    if (drain.draining) ctx.res.shouldKeepAlive = false;
    return next().then(
      () => done(ctx, requestId, startedMs),
      (error: unknown) => {
        answerError(ctx, error);
        done(ctx, requestId, startedMs);
      },
    );
  };
}

/**
 * What a listener answers or closes on its own, observed like requests: a malformed request is one log line (its
 * status, the parser's error code and the request id it was answered with; never its bytes) and, with `metrics`,
 * a count under route `(malformed)`; connections closed on the listener's own initiative are counted.
 */
export function observeTransport(logger: Logger, metrics?: Metrics): ServerEvents {
  const lines = primitivesLogger(logger);
  return {
    malformed({ status, requestId, code, parserCode }) {
      metrics?.observeRequest(MALFORMED_ROUTE, UNKNOWN_METHOD, status);
      try {
        lines.info({ requestId, status, code, parserCode }, 'malformed request');
      } catch {
        // As for request lines: the answer is sent.
      }
    },
    dropped(reason) {
      metrics?.connectionDropped(reason);
    },
  };
}
