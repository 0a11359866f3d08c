/**
 * Requests Node's parser refuses never reach the application, so the server answers them here: a JSON
 * `ApiErrorResponse` with the security headers, 431 for a head over the size limit and 400 for anything else that
 * is not HTTP (RFC 9112 §2.2), then the connection is closed. Requests before the malformed one on the same
 * connection (pipelining, RFC 9112 §9.3.2) are answered first, in order: the parser is fed the malformed bytes only
 * once their answers have finished (`feeder.ts`).
 */
import type { Duplex } from 'node:stream';
import { BadRequestError, HeadersTooLargeError, type HttpError } from '../errors.js';
import type { DropReason } from '../observability/metrics.js';
import type { LimitedServer } from './connections.js';
import { errorBody } from './errors.js';
import { requestIdOf } from './request-id.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** A malformed request the server answered itself. */
export interface MalformedAnswer {
  readonly status: number;
  /** Sent as `X-Request-Id`. */
  readonly requestId: string;
  /** The stable code of the answer, e.g. `ERR_HEADERS_TOO_LARGE`. */
  readonly code: string;
  /** The parser's error code, e.g. `HPE_INVALID_HEADER_TOKEN`: a fixed name, never request bytes. */
  readonly parserCode: string;
}

/** What a listener reports besides the requests its application answers. */
export interface ServerEvents {
  /** A request answered 400 or 431 because it could not be parsed. */
  malformed?(answer: MalformedAnswer): void;
  /** A connection closed on the listener's own initiative. */
  dropped?(reason: DropReason): void;
}

/** The complete HTTP/1.1 response for `error`, with `Connection: close`. */
function rawAnswer(error: HttpError, requestId: string): string {
  const body = JSON.stringify(errorBody(error, ''));
  const headers = { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Request-Id': requestId };
  const lines = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `HTTP/1.1 ${error.status} ${error.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n${lines}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Installs the `clientError` handler on the HTTP server of `server`. */
export function answerClientErrors(server: LimitedServer, events: ServerEvents): void {
  // Once the parser has failed, every later read on the connection fails again; only the first error is answered.
  const answered = new WeakSet<Duplex>();
  server.http.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    // A client gone: nothing to answer.
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    // A body being received when its chunked framing breaks: its request's answer goes first.
    server.whenAnswered(socket, () => {
      // An earlier answer may have closed the connection (`Connection: close`, a request with a body).
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      const answer =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? new HeadersTooLargeError('The request headers are too large')
          : new BadRequestError('The request is not valid HTTP');
      const requestId = requestIdOf(undefined);
      socket.end(rawAnswer(answer, requestId), () => socket.destroy());
      events.malformed?.({ status: answer.status, requestId, code: answer.code, parserCode: error.code ?? 'unknown' });
    });
  });
}
