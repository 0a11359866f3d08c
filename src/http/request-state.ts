/**
 * What the layers of the public app leave on `ctx.state` for the request log line and the metrics (`observe.ts`):
 * the route the router or the framing check matched and the error the error renderer answered.
 */
import type { HttpError } from '../errors.js';

/** Set by the router (and the framing check): the route label of the request. */
export interface RouteState {
  /** The matched path template of `openapi.json` (or `(malformed)`), a bounded label set for metrics. */
  route?: string;
  /**
   * The path of `openapi.json` a request refused for its framing (`(malformed)` for the metrics) was for: its error
   * has the body that path's operation declares for the status.
   */
  refusedFor?: string;
}

/** Set by the error renderer (`errors.ts`). */
export interface ErrorState {
  /** The error answered, with its cause, for the log line. */
  error?: HttpError;
}
