/**
 * The one error middleware. Every non-2xx answer on the public port is the contract's `ApiErrorResponse`:
 * `message`, `type` and an ISO 8601 `timestamp`, plus `code`, `url` and `detail` where useful. Internal details
 * never reach a client: anything that is not an {@link HttpError} is answered as a generic 500, and the cause is
 * kept on `ctx.state` for the request log line, the one place errors are logged.
 */
import type { Context, Middleware } from 'koa';
import type { components } from '../../generated/openapi.js';
import { HttpError, InternalError, MethodNotAllowedError } from '../errors.js';

/** The contract's error body. */
export type ApiErrorResponse = components['schemas']['ApiErrorResponse'];

/** Headers every error answer carries: errors must never be cached by clients or CDNs. */
const ERROR_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } as const;

/** The `ApiErrorResponse` for `error` at `path`. */
export function errorBody(error: HttpError, path: string): ApiErrorResponse {
  const body: ApiErrorResponse = {
    message: error.message,
    type: error.type,
    code: error.code,
    url: path,
    timestamp: new Date().toISOString(),
  };
  if (error.detail !== undefined) body.detail = error.detail;
  return body;
}

/** The client-facing error for anything thrown: itself when it is an {@link HttpError}, otherwise a generic 500. */
export function toHttpError(error: unknown): HttpError {
  return error instanceof HttpError ? error : new InternalError({ cause: error });
}

/** State the error middleware leaves for the request logger. */
export interface ErrorState {
  /** The error answered, with its cause, for the log line. */
  error?: HttpError;
}

/** Writes `error` as the response, replacing whatever a later middleware had set. */
function renderError(ctx: Context, error: HttpError): void {
  (ctx.state as ErrorState).error = error;
  ctx.status = error.status;
  ctx.set(ERROR_HEADERS);
  ctx.remove('ETag');
  if (error instanceof MethodNotAllowedError) ctx.set('Allow', error.allow.join(', '));
  ctx.body = Buffer.from(JSON.stringify(errorBody(error, ctx.path)));
}

/** The error middleware: renders anything the layers below it throw as an `ApiErrorResponse`. */
export function errors(): Middleware {
  return function answerErrors(ctx, next) {
    return next().catch((error: unknown) => renderError(ctx, toHttpError(error)));
  };
}
