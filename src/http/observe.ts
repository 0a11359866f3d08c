/**
 * Request identity, logging and metrics: one log line per request (method, path, status, duration, request id)
 * and the request metrics. This is the single place requests and their errors are logged.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../observability/logger.js';
import { UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.js';
import type { RouteState } from './dispatch.js';
import type { ErrorState } from './errors.js';

/** A client-supplied `X-Request-Id` is kept when it looks like an id, so it can be traced across hops. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The request id: the client's when well-formed, otherwise a new UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** Whether the server is draining; responses then carry `Connection: close`. */
export interface DrainState {
  readonly draining: boolean;
}

/** Creates the outermost middleware. */
export function observe(logger: Logger, metrics: Metrics, drain: DrainState): Middleware {
  return async function observeRequest(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(ctx.headers['x-request-id']);
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      // During shutdown every answer closes its connection, so keep-alive clients reconnect to another replica
      // instead of sending a request to a socket that is about to close.
      if (drain.draining) ctx.set('Connection', 'close');
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const state = ctx.state as RouteState & ErrorState;
      const status = ctx.status;
      metrics.observeRequest(state.route ?? UNMATCHED_ROUTE, ctx.method, status, seconds);
      const line = { requestId, method: ctx.method, path: ctx.path, status, durationMs: Math.round(seconds * 1e6) / 1e3 };
      if (status >= 500) logger.error({ ...line, err: state.error?.cause ?? state.error }, 'request failed');
      else logger.info(line, 'request');
    }
  };
}
