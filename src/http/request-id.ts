/**
 * Request ids, echoed in `X-Request-Id` and written in the request's log line: the client's when it looks like an
 * id, so a request can be traced across hops, otherwise one of ours.
 *
 * Ours are RFC 9562 UUIDs of version 8 (the layout is the implementer's, §5.8): 74 random bits drawn when the
 * process starts, then a 48-bit counter. Unique within a process by the counter and across replicas by the random
 * part, like the version 4 UUIDs they replace, and in the same format. Not `crypto.randomUUID()`: its random bytes
 * and the string it assembles from 16 hex pairs per request measured ~3 % of the server's CPU per request in the
 * bench; a counter is one `toString(16)`. Nothing relies on an id being unguessable: it is sent back to the client
 * it names and written to the log.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9562#section-5.8
 */
import { randomBytes } from 'node:crypto';

/** The field the request id is echoed in. */
export const REQUEST_ID_FIELD = 'X-Request-Id';

/** A client-supplied `X-Request-Id` is kept when it looks like an id. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Ids a process makes before it draws a new random part: the counter's 48 bits. */
const COUNTER_LIMIT = 2 ** 48;
const COUNTER_HEX_DIGITS = 12;
const ZEROS = '0'.repeat(COUNTER_HEX_DIGITS);

/** The first 24 hex digits and four dashes of a new id: random bits with the version (8) and variant (0b10) set. */
function randomPart(): string {
  const hex = randomBytes(10).toString('hex');
  const variant = (8 | (Number.parseInt(hex.charAt(15), 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(12, 15)}-${variant}${hex.slice(16, 19)}-`;
}

let prefix = randomPart();
let counter = 0;

/** A new id: `xxxxxxxx-xxxx-8xxx-[89ab]xxx-` then the counter as 12 hex digits. */
export function newRequestId(): string {
  if (counter === COUNTER_LIMIT) {
    prefix = randomPart();
    counter = 0;
  }
  const hex = counter.toString(16);
  counter += 1;
  return prefix + ZEROS.slice(hex.length) + hex;
}

/** The request id for a request's `X-Request-Id` field value: the client's when well-formed, otherwise a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : newRequestId();
}
