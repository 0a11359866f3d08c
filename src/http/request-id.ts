/**
 * Request ids, echoed in `X-Request-Id` and written in the request's log line: the client's when it looks like an
 * id, so a request can be traced across hops, otherwise a random RFC 9562 version 4 UUID (§5.4: 122 random bits)
 * from `crypto.randomUUID()`. Nothing about one id tells anything about another: not the request volume between
 * two calls, nor the next id.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9562#section-5.4
 */
import { randomUUID } from 'node:crypto';

/** The field the request id is echoed in. */
export const REQUEST_ID_FIELD = 'X-Request-Id';

/** A client-supplied `X-Request-Id` is kept when it looks like an id. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The request id for a request's `X-Request-Id` field value: the client's when well-formed, otherwise a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}
