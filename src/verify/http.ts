/**
 * Requests as discovery clients make them: `Accept: application/json`, redirects not followed (a client that
 * fetched metadata from elsewhere could not trust its issuer, RFC 8414 §3.3), and a time limit.
 */
import { UnreachableError } from '../errors.js';

/** A request and its answer, body read as text. */
export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** How to send one request. */
export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** Sends one request. Throws an {@link UnreachableError} when no HTTP answer arrives within the time limit. */
export async function send(url: string, options: RequestOptions): Promise<Exchange> {
  const method = options.method ?? 'GET';
  try {
    const response = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...options.headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    return { method, url, status: response.status, headers: response.headers, body: await response.text() };
  } catch (cause) {
    throw new UnreachableError(`${method} ${url}: ${transportReason(cause, options.timeoutMs)}`, { cause });
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not name this host',
};

/** undici reports "fetch failed" and hides the reason in `cause`; dig it out so the user sees why. */
function transportReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  let current: unknown = error;
  let innermost = String(error);
  while (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code;
    if (code !== undefined) return `${REASONS[code] ?? current.message} (${code})`;
    innermost = current.message;
    current = current.cause;
  }
  return innermost;
}

/** The media type of a Content-Type header, lower-cased and without parameters; `undefined` when absent. */
export function mediaType(headers: Headers): string | undefined {
  const value = headers.get('content-type');
  return value === null ? undefined : (value.split(';')[0] ?? '').trim().toLowerCase();
}
