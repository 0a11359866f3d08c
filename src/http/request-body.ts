/**
 * Reading the JSON request body of an operation that declares one (the only requests whose body is read; see
 * `framing.ts` for every other). Judged from the head first, answered without reading and the connection closed:
 *
 * - a `Content-Type` other than the media type the operation declares (parameters aside, but a `charset` other
 *   than UTF-8, the only encoding of JSON exchanged between systems, RFC 8259 §8.1), or any `Content-Encoding`:
 *   415 (RFC 9110 §15.5.16);
 * - a `Content-Length` above {@link REQUEST_BODY_LIMIT_BYTES}: 413 (RFC 9110 §15.5.14).
 *
 * Then the body is read with raw-body, at most {@link REQUEST_BODY_LIMIT_BYTES} (a chunked body that grows past it
 * is cut off: 413, connection closed), and parsed: a body that is not JSON gets 400. Its schema is openapi-backend's
 * to check (`operations.ts`).
 */
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { BadRequestError, ContentTooLargeError, UnsupportedMediaTypeError, type HttpError } from '../errors.js';
import { announcesBody } from './framing.js';

/**
 * Largest request body an operation reads, in bytes. The bodies of this service's operations are small JSON
 * documents; 64 KiB leaves them room while bounding what one request can make the server hold.
 */
const REQUEST_BODY_LIMIT_BYTES = 64 * 1024;

/** The media type of a `Content-Type` value, lower-cased, and its `charset` parameter if any (RFC 9110 §8.3.1). */
function mediaTypeOf(contentType: string): { type: string; charset: string | undefined } {
  const [type = '', ...parameters] = contentType.split(';');
  const charset = parameters
    .map((parameter) => parameter.trim().toLowerCase())
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  return { type: type.trim().toLowerCase(), charset };
}

/**
 * The error the head of a request with a body earns for an operation that reads a body of `mediaType`, or
 * `undefined` when the body is to be read (or none is announced).
 */
export function requestBodyError(req: IncomingMessage, mediaType: string): HttpError | undefined {
  const headers = req.headers;
  if (!announcesBody(headers)) return undefined;
  const { type, charset } = mediaTypeOf(headers['content-type'] ?? '');
  const accepted = { accept: mediaType };
  if (type !== mediaType.toLowerCase()) {
    return new UnsupportedMediaTypeError(`The request body must be ${mediaType} (Content-Type)`, accepted);
  }
  if (charset !== undefined && charset !== 'utf-8') {
    return new UnsupportedMediaTypeError(`The request body must be encoded in UTF-8, not ${charset}`, accepted);
  }
  const coding = headers['content-encoding'];
  if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
    return new UnsupportedMediaTypeError('The request body must not be content-coded (Content-Encoding)', accepted);
  }
  if (Number(headers['content-length']) > REQUEST_BODY_LIMIT_BYTES) {
    return new ContentTooLargeError(`The request body is over ${REQUEST_BODY_LIMIT_BYTES} bytes`, {
      limitBytes: REQUEST_BODY_LIMIT_BYTES,
    });
  }
  return undefined;
}

/** raw-body's errors carry a stable `type` (its documented error types) and say whether the body was read whole. */
function bodyErrorType(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'type' in error && typeof error.type === 'string' ? error.type : undefined;
}

/**
 * Reads and parses the request's JSON body, at most {@link REQUEST_BODY_LIMIT_BYTES}. `closeUnread` is called
 * when the body is refused before it was read whole. Rejects with a 413 (too long), a 400 (shorter or longer than
 * its `Content-Length`, or not JSON), or raw-body's own error (the client went away).
 */
export async function readJsonBody(req: IncomingMessage, closeUnread: () => void): Promise<unknown> {
  let text: string;
  try {
    text = await getRawBody(req, { length: req.headers['content-length'], limit: REQUEST_BODY_LIMIT_BYTES, encoding: 'utf-8' });
  } catch (error) {
    const type = bodyErrorType(error);
    if (type === 'entity.too.large') {
      closeUnread();
      throw new ContentTooLargeError(
        `The request body is over ${REQUEST_BODY_LIMIT_BYTES} bytes`,
        { limitBytes: REQUEST_BODY_LIMIT_BYTES },
        { cause: error },
      );
    }
    if (type === 'request.size.invalid') {
      closeUnread();
      throw new BadRequestError('The request body does not have the length its Content-Length announces', undefined, { cause: error });
    }
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadRequestError('The request body is not valid JSON', undefined, { cause: error });
  }
}
