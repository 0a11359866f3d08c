/**
 * CORS for public documents fetched without credentials (https://fetch.spec.whatwg.org/#http-cors-protocol).
 * By default any origin may read them; `CORS_ORIGINS` narrows that to a list, echoing the matching origin with
 * `Vary: Origin`. `Access-Control-Allow-Credentials` is never sent: nothing here depends on cookies.
 *
 * Hand-written rather than @koa/cors: @koa/cors sends `Vary: Origin` on every answer even with `*` (so a CDN keeps
 * one copy of each document per Origin), and answers preflights on paths the contract does not have.
 */
import type { Context } from 'koa';

/** Seconds a browser may cache a preflight (the header's value). Chromium caps this at 7200. */
const PREFLIGHT_MAX_AGE = '7200';

/** Response headers a browser script may read beyond the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'ETag, X-Request-Id';

const NO_FIELDS: readonly string[] = Object.freeze([]);
const VARY_ORIGIN: readonly string[] = Object.freeze(['Vary', 'Origin']);

/** A token list as in `Access-Control-Request-Headers` (RFC 9110 §5.6.1 field names). */
const HEADER_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/** The CORS policy, computed once from configuration. */
export class CorsPolicy {
  readonly #origins: ReadonlySet<string> | undefined;

  constructor(origins: '*' | readonly string[]) {
    this.#origins = origins === '*' ? undefined : new Set(origins);
  }

  /** The CORS headers every actual answer carries whatever the request, errors included: with `*`, all of them. */
  get staticHeaders(): ReadonlyArray<readonly [string, string]> {
    return this.#origins === undefined
      ? [
          ['Access-Control-Allow-Origin', '*'],
          ['Access-Control-Expose-Headers', EXPOSED_HEADERS],
        ]
      : [];
  }

  /** Whether an answer's CORS headers depend on the request (`Origin`), beyond {@link CorsPolicy.staticHeaders}. */
  get dependsOnOrigin(): boolean {
    return this.#origins !== undefined;
  }

  /**
   * The CORS headers of an actual answer that depend on its request, as name/value pairs: with an origin list,
   * `Vary: Origin`, and for an `Origin` in the list what lets browser scripts read the answer. Empty with `*`.
   */
  originHeaders(origin: string | undefined): readonly string[] {
    if (this.#origins === undefined) return NO_FIELDS;
    if (origin === undefined || !this.#origins.has(origin)) return VARY_ORIGIN;
    return [...VARY_ORIGIN, 'Access-Control-Allow-Origin', origin, 'Access-Control-Expose-Headers', EXPOSED_HEADERS];
  }

  /** Sets {@link CorsPolicy.originHeaders} on an answer Koa writes (`Vary` merged with any it already has). */
  setOriginHeaders(ctx: Context): void {
    const fields = this.originHeaders(ctx.req.headers.origin);
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i] ?? '';
      const value = fields[i + 1] ?? '';
      if (name === 'Vary') ctx.vary(value);
      else ctx.set(name, value);
    }
  }

  /**
   * Answers an OPTIONS request on a known path with 204: the CORS preflight headers when it is a preflight,
   * and `Allow` always. A preflight is transport, not an API operation, so it never gets 405.
   */
  answerOptions(ctx: Context, allow: string): void {
    ctx.status = 204;
    ctx.set('Allow', allow);
    const allowed = this.#origins === undefined || this.#origins.has(ctx.get('Origin'));
    if (ctx.get('Access-Control-Request-Method') !== '' && allowed) {
      ctx.set('Access-Control-Allow-Methods', allow);
      const requested = ctx.get('Access-Control-Request-Headers');
      // Echoing the requested names (e.g. mcp-protocol-version) is safe: the documents are public and no
      // credentials are involved. Malformed lists are not echoed.
      if (requested !== '' && HEADER_LIST.test(requested)) ctx.set('Access-Control-Allow-Headers', requested);
      ctx.set('Access-Control-Max-Age', PREFLIGHT_MAX_AGE);
      ctx.vary('Access-Control-Request-Headers');
    }
  }
}
