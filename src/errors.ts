/**
 * The service's error classes. Each has a stable `code` from the closed {@link ErrorCode} union, so callers
 * branch on `code` (or `instanceof`), never on message text. Errors with an HTTP `status` are rendered to clients
 * as the contract's `ApiErrorResponse` by the one error renderer (`src/http/errors.ts`); the others stop the boot
 * or a CLI with their message. A system error's code is read by {@link errorCode}.
 */

/** Every code an error of this service can carry. */
export type ErrorCode =
  | 'ERR_BAD_REQUEST'
  | 'ERR_CONTENT_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_HEADERS_TOO_LARGE'
  | 'ERR_NOT_FOUND'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_KEYS_UNAVAILABLE'
  | 'ERR_DOCUMENT_UNAVAILABLE'
  | 'ERR_INTERNAL'
  | 'ERR_RESPONSE_INVALID'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_SPEC_INVALID'
  | 'ERR_HANDLER_MISSING'
  | 'ERR_DOCUMENT_INVALID'
  | 'ERR_KEY_INVALID'
  | 'ERR_KEYS_DIR'
  | 'ERR_USAGE'
  | 'ERR_COMMAND_FAILED'
  | 'ERR_LISTEN'
  | 'ERR_UNREACHABLE';

/** Base class of every error this service raises on purpose. */
export abstract class ServiceError extends Error {
  abstract readonly code: ErrorCode;
  override get name(): string {
    return this.constructor.name;
  }
}

/**
 * An error that is answered to the client. `message` is written for the client and never holds internal text;
 * `type` is the `ApiErrorResponse.type`, and `detail` an optional structured `ApiErrorResponse.detail`.
 */
export abstract class HttpError extends ServiceError {
  abstract readonly status: number;
  abstract readonly type: string;
  readonly detail: unknown;
  constructor(message: string, detail?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.detail = detail;
  }
}

/** 400: the request does not satisfy the operation's parameters in `openapi.json`. */
export class BadRequestError extends HttpError {
  readonly code = 'ERR_BAD_REQUEST';
  readonly status = 400;
  readonly type = 'bad_request';
}

/**
 * 413 (RFC 9110 §15.5.14): a request to an operation that takes no body announces one larger than the server
 * answers without reading it, or of unknown length; or a request body is larger than an operation reads.
 */
export class ContentTooLargeError extends HttpError {
  readonly code = 'ERR_CONTENT_TOO_LARGE';
  readonly status = 413;
  readonly type = 'content_too_large';
}

/**
 * 415 (RFC 9110 §15.5.16): the request body is not in the media type the operation declares for it, or is
 * content-coded.
 */
export class UnsupportedMediaTypeError extends HttpError {
  readonly code = 'ERR_UNSUPPORTED_MEDIA_TYPE';
  readonly status = 415;
  readonly type = 'unsupported_media_type';
}

/** 431: the request head is larger than the server reads (RFC 6585 §5). */
export class HeadersTooLargeError extends HttpError {
  readonly code = 'ERR_HEADERS_TOO_LARGE';
  readonly status = 431;
  readonly type = 'headers_too_large';
}

/** 404: no path of `openapi.json` matches. */
export class NotFoundError extends HttpError {
  readonly code = 'ERR_NOT_FOUND';
  readonly status = 404;
  readonly type = 'not_found';
}

/** 405: the path exists in `openapi.json`, the method does not; `allow` becomes the `Allow` header. */
export class MethodNotAllowedError extends HttpError {
  readonly code = 'ERR_METHOD_NOT_ALLOWED';
  readonly status = 405;
  readonly type = 'method_not_allowed';
  readonly allow: readonly string[];
  constructor(method: string, allow: readonly string[]) {
    super(`Method ${method} is not allowed on this path`, { allow });
    this.allow = allow;
  }
}

/** A 500 answer: `type` `server_error`, and a fixed message that never holds internal text. */
abstract class ServerError extends HttpError {
  readonly status = 500;
  readonly type = 'server_error';
  constructor(message: string, options?: ErrorOptions) {
    super(message, undefined, options);
  }
}

/** 500 on the JWKS endpoint: no valid key is published (the contract's "Failed to load keys"). */
export class KeysUnavailableError extends ServerError {
  readonly code = 'ERR_KEYS_UNAVAILABLE';
  constructor(options?: ErrorOptions) {
    super('Failed to load keys', options);
  }
}

/** 500: a document has never had a representation that passed validation against `openapi.json`. */
export class DocumentUnavailableError extends ServerError {
  readonly code = 'ERR_DOCUMENT_UNAVAILABLE';
  constructor(options?: ErrorOptions) {
    super('The document is temporarily unavailable', options);
  }
}

/** 500 for anything unexpected; the cause is logged, never sent. */
export class InternalError extends ServerError {
  readonly code = 'ERR_INTERNAL';
  constructor(options?: ErrorOptions) {
    super('Internal server error', options);
  }
}

/**
 * A handler answered what `openapi.json` does not declare (an undeclared status, a body its schema refuses): the
 * cause of the 500 answered instead, logged with the message, which names the operation, the status and each JSON
 * pointer, never sent.
 */
export class ResponseInvalidError extends ServiceError {
  readonly code = 'ERR_RESPONSE_INVALID';
}

/** The configuration (environment, metadata file, flags) is invalid; `problems` lists every problem found. */
export class ConfigError extends ServiceError {
  readonly code = 'ERR_CONFIG_INVALID';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

/** `openapi.json` cannot be loaded, or openapi-backend refused it. */
export class SpecError extends ServiceError {
  readonly code = 'ERR_SPEC_INVALID';
}

/** `openapi.json` has operations that no handler serves; the message names them, and the file where handlers go. */
export class HandlerMissingError extends ServiceError {
  readonly code = 'ERR_HANDLER_MISSING';
  constructor(operations: readonly string[], handlersFile: string) {
    super(`openapi.json defines operations with no handler: ${operations.join(', ')}; register their handlers in ${handlersFile}`);
  }
}

/**
 * The data of handlers whose documents never change does not validate against `openapi.json`: the service would
 * only ever answer them with 500. `problems` has one line per problem, naming the operation, the JSON pointer and
 * the rule; `handlersFile` is where the handlers are.
 */
export class DocumentInvalidError extends ServiceError {
  readonly code = 'ERR_DOCUMENT_INVALID';
  readonly problems: readonly string[];
  constructor(problems: readonly string[], handlersFile: string) {
    super(
      `documents that never change do not validate against openapi.json: ${problems.join('; ')}; ` +
        `fix the data of their handlers (${handlersFile}) or the schema`,
    );
    this.problems = problems;
  }
}

/** A key or key file is refused; the message says which and why. */
export class KeyInvalidError extends ServiceError {
  readonly code = 'ERR_KEY_INVALID';
}

/** The keys directory as a whole cannot be read. */
export class KeysDirError extends ServiceError {
  readonly code = 'ERR_KEYS_DIR';
}

/** A command line was not understood. */
export class UsageError extends ServiceError {
  readonly code = 'ERR_USAGE';
}

/**
 * A command or script could not do its work for a reason its user can act on (an input file it cannot use, a
 * tool that failed); the message says which and why, and the command exits 1 without a stack trace.
 */
export class CommandError extends ServiceError {
  readonly code = 'ERR_COMMAND_FAILED';
}

/**
 * A listener could not be bound at startup: the port is taken or privileged, or the address is not this machine's
 * or does not resolve. The message is one line naming the setting and its value, e.g.
 * `PORT: 9090 is already in use on 0.0.0.0 (EADDRINUSE)`; the system error is the `cause`.
 */
export class ListenError extends ServiceError {
  readonly code = 'ERR_LISTEN';
  /** The setting to change, e.g. `ADMIN_PORT`. */
  readonly setting: string;
  constructor(setting: string, message: string, options?: ErrorOptions) {
    super(`${setting}: ${message}`, options);
    this.setting = setting;
  }
}

/**
 * `npm run verify`: the host did not answer (refused, unknown, TLS failure, or too slow). The message is one
 * line, meant for the user, e.g. `GET https://auth.example.com/.well-known/jwks.json: connection refused
 * (ECONNREFUSED)`; the transport error is the `cause`.
 */
export class UnreachableError extends ServiceError {
  readonly code = 'ERR_UNREACHABLE';
}

/**
 * The `code` of a Node or OpenSSL error (`ENOENT`, `ERR_OSSL_UNSUPPORTED`), or `undefined`. Refusal reasons
 * carry codes, not messages: some messages quote their input, which may be a private key.
 */
export function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : undefined;
}
