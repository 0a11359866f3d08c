/**
 * The interface handlers implement. A handler only supplies the data of one document (the key set, the
 * metadata); serialization, validation against `openapi.json`, ETags and HTTP are the contract layer's job.
 */

/** A document whose current value can change (keys rotate, configuration reloads). */
export interface DocumentSource<T> {
  /**
   * The document as it is now. Throws an `HttpError` (for example `KeysUnavailableError`) when there is none to
   * serve; that error is what the endpoint answers until the next change.
   */
  current(): T;
  /** Calls `listener` after every change that may alter {@link DocumentSource.current}; returns an unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** A document held in memory, replaced as a whole by {@link ValueSource.set}. */
export interface ValueSource<T> extends DocumentSource<T> {
  set(value: T): void;
}

/** A {@link ValueSource} starting at `initial`, e.g. the metadata resolved from configuration. */
export function valueSource<T>(initial: T): ValueSource<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    current: () => value,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      value = next;
      for (const listener of listeners) listener();
    },
  };
}
