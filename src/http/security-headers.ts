/**
 * Response headers for a JSON-only public API: nothing may be sniffed, framed, scripted or leak a referrer
 * (OWASP Secure Headers). `Cross-Origin-Resource-Policy: cross-origin` keeps the documents loadable by browser
 * clients on other origins, which is what they are for.
 */
import type { Context } from 'koa';

/** Headers set on every public response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'cross-origin',
});

const SECURITY_HEADER_ENTRIES: ReadonlyArray<readonly [string, string]> = Object.freeze(Object.entries(SECURITY_HEADERS));

/**
 * Sets {@link SECURITY_HEADERS} on `ctx`'s response, in their order. Straight to `setHeader`: Koa's `ctx.set`
 * with an object builds two arrays per call for the same result.
 */
export function applySecurityHeaders(ctx: Context): void {
  const res = ctx.res;
  if (res.headersSent) return;
  for (const [name, value] of SECURITY_HEADER_ENTRIES) res.setHeader(name, value);
}
