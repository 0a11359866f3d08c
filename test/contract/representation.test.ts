import { describe, expect, it } from 'vitest';
import { PublishedDocument, representationOf, type DocumentEvent } from '../../src/contract/representation.js';
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
    const a = representationOf(Buffer.from('{"a":1}'));
    expect(a.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(representationOf(Buffer.from('{"a":1}')).etag).toBe(a.etag);
    expect(representationOf(Buffer.from('{"a":2}')).etag).not.toBe(a.etag);
  });

  it('does not republish an unchanged body', () => {
    const { document, events } = documentWith(() => []);
    document.rebuild(() => ({ a: 1 }));
    document.rebuild(() => ({ a: 1 }));
    expect(events.filter((event) => event.kind === 'published')).toHaveLength(1);
  });
});
