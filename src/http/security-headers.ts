/**
 * Response headers for a JSON-only public API: nothing may be sniffed, framed, scripted or leak a referrer
 * (OWASP Secure Headers). `Cross-Origin-Resource-Policy: cross-origin` keeps the documents loadable by browser
 * clients on other origins, which is what they are for.
 */
import type { Middleware } from 'koa';

/** Headers set on every public response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'cross-origin',
});

const ENTRIES = Object.entries(SECURITY_HEADERS);

/**
 * Sets {@link SECURITY_HEADERS} on every answer, errors included. With `res.setHeader`: Koa's `ctx.set(object)`
 * builds two arrays and normalizes every value on each call.
 */
export const securityHeaders: Middleware = function securityHeaders(ctx, next) {
  const res = ctx.res;
  for (const [name, value] of ENTRIES) res.setHeader(name, value);
  return next();
};
