import { describe, expect, it } from 'vitest';
import { PublishedDocument, type DocumentEvent } from '../../src/documents/representation.js';
import { KeysUnavailableError } from '../../src/errors.js';

function documentWith(validate: (body: unknown) => string[]) {
  const events: DocumentEvent[] = [];
  return { document: new PublishedDocument('op', validate, (event) => events.push(event)), events };
}

const rejectBad = (body: unknown) => ((body as { bad?: boolean }).bad ? ['/bad: is not allowed'] : []);

describe('PublishedDocument', () => {
  it('answers 500 until a first valid build', () => {
    const { document } = documentWith(rejectBad);
    expect(document.state.ok).toBe(false);
    document.rebuild(() => ({ bad: true }));
    expect(document.state.ok || document.state.error.status).toBe(500);
  });

  it('keeps the previous good representation when a build fails validation', () => {
    const { document, events } = documentWith(rejectBad);
    document.rebuild(() => ({ good: 1 }));
    const good = document.state;
    document.rebuild(() => ({ bad: true }));
    expect(document.state).toBe(good);
    expect(events.at(-1)).toEqual({ kind: 'rejected', operationId: 'op', problems: ['/bad: is not allowed'], kept: true });
  });

  it('serves the handler’s HttpError until the next change', () => {
    const { document } = documentWith(() => []);
    document.rebuild(() => ({ keys: [1] }));
    document.rebuild(() => {
      throw new KeysUnavailableError();
    });
    expect(document.state.ok === false && document.state.error.message).toBe('Failed to load keys');
  });

  it('computes a strong ETag from the body bytes only', () => {
    const etagOf = (value: unknown): string => {
      const { document } = documentWith(() => []);
      document.rebuild(() => value);
      return document.state.ok ? document.state.representation.etag : '';
    };
    expect(etagOf({ a: 1 })).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(etagOf({ a: 1 })).toBe(etagOf({ a: 1 }));
    expect(etagOf({ a: 2 })).not.toBe(etagOf({ a: 1 }));
  });

  it('publishes on every rebuild: the source is the one change detector', () => {
    const { document, events } = documentWith(() => []);
    document.rebuild(() => ({ a: 1 }));
    document.rebuild(() => ({ a: 2 }));
    expect(events.filter((event) => event.kind === 'published')).toHaveLength(2);
    expect(document.state.ok && document.state.representation.body.toString()).toBe('{"a":2}');
  });
});
