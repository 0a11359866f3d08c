/**
 * The headers every answer of the public port carries, errors included: the security headers and the CORS headers
 * of an actual answer (https://fetch.spec.whatwg.org/#http-responses), computed once from configuration.
 */
import type { Context } from 'koa';
import type { CorsPolicy } from './cors.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** The fields every answer carries whatever its request: the security headers, then the static CORS headers. */
export function commonFields(cors: CorsPolicy): ReadonlyArray<readonly [string, string]> {
  return [...Object.entries(SECURITY_HEADERS), ...cors.staticHeaders];
}

/**
 * Returns the function that sets the common headers on an answer. With `res.setHeader` over a list built once:
 * Koa's `ctx.set(object)` builds two arrays and normalizes every value on each call.
 */
export function commonHeaders(cors: CorsPolicy): (ctx: Context) => void {
  const fixed = commonFields(cors);
  const byOrigin = cors.dependsOnOrigin;
  return (ctx) => {
    const res = ctx.res;
    for (const [name, value] of fixed) res.setHeader(name, value);
    if (byOrigin) cors.setOriginHeaders(ctx);
  };
}
