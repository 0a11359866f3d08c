/**
 * Validated, serialized representations of a document. A representation is built once per change of its
 * inputs (keys, configuration), validated against its 200 response schema in `openapi.json`, and then served
 * byte for byte, so no 2xx body leaves the server without having passed the contract.
 */
import { createHash } from 'node:crypto';
import { DocumentUnavailableError, HttpError, InternalError } from '../errors.js';

/** One serialized, validated document. */
export interface Representation {
  readonly body: Buffer;
  /** The JSON media type the operation declares for its 200: `application/json`, `application/jwk-set+json`. */
  readonly mediaType: string;
  /** Whether a matching `If-None-Match` is answered 304: only where the operation declares a 304. */
  readonly notModified: boolean;
  /**
   * Strong entity tag computed from the body bytes only (RFC 9110 §8.8.3), so replicas and restarts serving the
   * same content agree on it.
   */
  readonly etag: string;
}

/** What an endpoint serves now: a representation, or the error it answers until the next good build. */
export type DocumentState =
  { readonly ok: true; readonly representation: Representation } | { readonly ok: false; readonly error: HttpError };

/** What happened at a rebuild; the service turns these into log lines and metrics. */
export type DocumentEvent =
  | { readonly kind: 'published'; readonly operationId: string; readonly etag: string; readonly bytes: number }
  | { readonly kind: 'rejected'; readonly operationId: string; readonly problems: readonly string[]; readonly kept: boolean }
  | { readonly kind: 'unavailable'; readonly operationId: string; readonly error: HttpError };

/** How an operation's document is served, from what it declares. */
export interface DocumentAnswer {
  /** Its `200`'s JSON media type. */
  readonly mediaType: string;
  /** Whether it declares a `304`. */
  readonly notModified: boolean;
}

/**
 * The current state of one operation's document. {@link PublishedDocument.rebuild} is called when the handler's
 * data changed (its source is the one change detector, so every call publishes); a build that fails validation is
 * rejected and the previous good representation stays, or the endpoint answers 500 if there never was one.
 */
export class PublishedDocument {
  readonly operationId: string;
  #state: DocumentState = { ok: false, error: new DocumentUnavailableError() };
  readonly #validate: (body: unknown) => readonly string[];
  readonly #emit: (event: DocumentEvent) => void;
  readonly #answer: DocumentAnswer;

  constructor(
    operationId: string,
    validate: (body: unknown) => readonly string[],
    emit: (event: DocumentEvent) => void,
    answer: DocumentAnswer = { mediaType: 'application/json', notModified: false },
  ) {
    this.operationId = operationId;
    this.#validate = validate;
    this.#emit = emit;
    this.#answer = answer;
  }

  /** The state served now. */
  get state(): DocumentState {
    return this.#state;
  }

  /**
   * Rebuilds from `produce`, the handler's current data. An `HttpError` thrown by it (e.g. no keys) becomes the
   * endpoint's answer; any other throw or a validation failure is a rejected build.
   */
  rebuild(produce: () => unknown): void {
    let value: unknown;
    try {
      value = produce();
    } catch (error) {
      if (error instanceof HttpError) {
        this.#state = { ok: false, error };
        this.#emit({ kind: 'unavailable', operationId: this.operationId, error });
        return;
      }
      this.#reject([`the handler failed: ${error instanceof Error ? error.message : String(error)}`]);
      return;
    }
    const problems = this.#validate(value);
    if (problems.length > 0) {
      this.#reject(problems);
      return;
    }
    const body = Buffer.from(JSON.stringify(value));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    const representation: Representation = { body, ...this.#answer, etag };
    this.#state = { ok: true, representation };
    this.#emit({ kind: 'published', operationId: this.operationId, etag: representation.etag, bytes: representation.body.length });
  }

  #reject(problems: readonly string[]): void {
    const kept = this.#state.ok;
    if (!kept) this.#state = { ok: false, error: new InternalError() };
    this.#emit({ kind: 'rejected', operationId: this.operationId, problems, kept });
  }
}
