/**
 * Answering with an operation's prebuilt, validated representation (`src/documents/`): per request, a state read
 * and the conditional GET of RFC 9110 §13.1.2: an `If-None-Match` holding the tag, a list containing it, its weak
 * form, or `*` answers 304 Not Modified without a body (the comparison is weak, as §13.1.2 requires).
 */
import type { Context } from 'koa';
import type { DocumentState } from '../documents/representation.js';

/**
 * Whether an `If-None-Match` field value matches `etag` (a quoted strong tag). Not Koa's `ctx.fresh`: its `fresh`
 * module answers 200 to any request carrying `Cache-Control: no-cache`, which `fetch()` adds to every conditional
 * request (Fetch §4.5, HTTP-network-or-cache fetch), so browsers and Node's fetch would never get their 304; that
 * directive is for caches (RFC 9111 §5.2.1.4), and an origin server evaluates `If-None-Match` regardless.
 */
function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined || header === '') return false;
  if (header === etag) return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

/** Answers `state`: its representation with `cacheControl`, or throws the error it stands for (e.g. no keys). */
export function answerDocument(ctx: Context, state: DocumentState, cacheControl: string): void {
  if (!state.ok) throw state.error;
  const { body, etag } = state.representation;
  ctx.etag = etag;
  ctx.set('Cache-Control', cacheControl);
  if (ifNoneMatchHits(ctx.req.headers['if-none-match'], etag)) {
    ctx.status = 304;
    return;
  }
  // Set before the body, so that Koa does not look a type up for the Buffer.
  ctx.set('Content-Type', 'application/json');
  ctx.body = body;
}
