/** The base URL `verify` is pointed at, which is also the issuer the metadata must carry (RFC 8414 §3.3). */
import { UsageError } from '../errors.js';
import { rawComponents } from '../rules/url.js';

/**
 * Checks that `value` is an http(s) URL without query or fragment and returns it without a trailing `/`, the
 * form an issuer takes (`https://auth.example.com/` and `https://auth.example.com` name the same server to the
 * person typing them, and the issuer rules refuse the slash anyway). Throws a {@link UsageError} otherwise.
 */
export function normalizeBaseUrl(value: string): string {
  const url = URL.parse(value);
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new UsageError(`"${value}" is not an http(s) URL such as https://auth.example.com`);
  }
  const raw = rawComponents(value);
  if (raw.hasQuery || raw.hasFragment) throw new UsageError(`"${value}" has a query or fragment; pass the issuer, e.g. ${url.origin}`);
  return value.replace(/\/$/, '');
}
