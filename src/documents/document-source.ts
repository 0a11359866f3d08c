/**
 * The interface handlers implement. A handler only supplies the data of one document (the key set, the
 * metadata); serialization, validation against `openapi.json`, ETags and HTTP are the representation layer's job.
 */

/**
 * A document whose current value can change (keys rotate). The source is the document's one change detector:
 * it notifies only when the document actually changed, and every notification rebuilds the representation.
 */
export interface DocumentSource<T> {
  /**
   * The document as it is now. Throws an `HttpError` (for example `KeysUnavailableError`) when there is none to
   * serve; that error is what the endpoint answers until the next change.
   */
  current(): T;
  /** Calls `listener` after every change of {@link DocumentSource.current}; returns an unsubscribe. */
  subscribe(listener: () => void): () => void;
  /**
   * Whether the document never changes while the service runs: one that does not validate then never will, so
   * the service refuses to start (and `npm run check` fails) instead of serving 500 (`registry.ts`).
   */
  readonly constant?: boolean;
}

/** A document that never changes while the service runs, e.g. the metadata resolved at startup. */
export function constantSource<T>(value: T): DocumentSource<T> {
  return { current: () => value, subscribe: () => () => undefined, constant: true };
}
