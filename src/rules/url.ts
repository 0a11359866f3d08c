/**
 * URL predicates shared by the issuer and endpoint rules: where plain http is tolerated, and what URL parsing
 * hides. RFC 8414 §2 requires https for the issuer and RFC 6749 §3.1/§3.2 require TLS for the endpoints; the
 * loopback exception exists only so that local and CI runs work without certificates.
 */

/** Hosts on which plain http is accepted (development and CI only). */
const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** Whether `hostname` (as `URL.hostname` gives it, IPv6 in brackets) is a loopback host of {@link LOOPBACK_HOSTS}. */
function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase());
}

/** https anywhere, or http on a loopback host. */
export function hasSecureScheme(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** The explanation appended to every "must use https" finding. */
export const HTTPS_EXPLANATION = `plain http is accepted only on ${LOOPBACK_HOSTS.join(', ')} (development)`;

/**
 * The parts of `value` WHATWG URL parsing hides: `https://a.example?` parses with an empty `search`, yet the
 * string still carries a query delimiter that clients comparing identifiers by string will see.
 */
export function rawComponents(value: string): {
  readonly hasQuery: boolean;
  readonly hasFragment: boolean;
  readonly trailingSlash: boolean;
} {
  const fragmentAt = value.indexOf('#');
  const beforeFragment = fragmentAt === -1 ? value : value.slice(0, fragmentAt);
  const queryAt = beforeFragment.indexOf('?');
  const beforeQuery = queryAt === -1 ? beforeFragment : beforeFragment.slice(0, queryAt);
  return { hasQuery: queryAt !== -1, hasFragment: fragmentAt !== -1, trailingSlash: beforeQuery.endsWith('/') };
}
