/**
 * Requests as discovery clients make them: `Accept: application/json`, redirects not followed (a client that
 * fetched metadata from elsewhere could not trust its issuer, RFC 8414 §3.3), and a time limit.
 */
import { UnreachableError } from '../errors.js';

/**
 * Most bytes of one answer's body `verify` reads: discovery documents are a few KiB, and a larger body is a
 * finding (`http.body-size`), not something to hold in memory. The rest of such a body is never downloaded.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request and its answer, body read as text. */
export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  /** The body as text; empty when it is {@link Exchange.oversized}. */
  readonly body: string;
  /** Bytes of the body read: its size, or just over {@link MAX_BODY_BYTES} when it was cut off. */
  readonly bodyBytes: number;
  /** The body (announced or received) is longer than {@link MAX_BODY_BYTES}; reading stopped there. */
  readonly oversized: boolean;
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
    return { method, url, status: response.status, headers: response.headers, ...(await readBounded(response)) };
  } catch (cause) {
    throw new UnreachableError(`${method} ${url}: ${transportReason(cause, options.timeoutMs)}`, { cause });
  }
}

/** Reads `response`'s body up to {@link MAX_BODY_BYTES}, streaming, and cancels the download beyond it. */
async function readBounded(response: Response): Promise<Pick<Exchange, 'body' | 'bodyBytes' | 'oversized'>> {
  const announced = Number(response.headers.get('content-length'));
  if (response.body === null) return { body: '', bodyBytes: 0, oversized: false };
  if (announced > MAX_BODY_BYTES) {
    await response.body.cancel();
    return { body: '', bodyBytes: 0, oversized: true };
  }
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > MAX_BODY_BYTES) {
      await reader.cancel();
      return { body: '', bodyBytes: bytes, oversized: true };
    }
    chunks.push(value);
  }
  // TextDecoder, as response.text() would: UTF-8, a leading BOM dropped.
  return { body: new TextDecoder().decode(Buffer.concat(chunks)), bodyBytes: bytes, oversized: false };
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
