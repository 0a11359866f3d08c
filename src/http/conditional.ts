/**
 * Conditional GET with `If-None-Match` (RFC 9110 §13.1.2): a matching tag, a tag inside a list, or `*` answers
 * 304 Not Modified. The comparison is weak, as §13.1.2 requires for If-None-Match.
 */

/** Whether an `If-None-Match` field value matches `etag` (a quoted strong tag). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined || header === '') return false;
  if (header === etag) return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}
