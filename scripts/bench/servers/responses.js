/**
 * The captured responses both baselines answer: for each path, GET, HEAD and the 304 of a revalidation with the
 * current ETag, as our server sent them (status, headers in wire order except Node's per-connection ones, body).
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';

const toAnswer = (captured) => ({
  status: captured.status,
  headers: captured.headers,
  object: Object.fromEntries(captured.headers.filter(([name]) => name.toLowerCase() !== 'content-length')),
  body: Buffer.from(captured.body, 'base64'),
});

/** Path → { etag, get, head, notModified }, from the JSON file the bench wrote. */
export function loadResponses(file) {
  const captured = JSON.parse(readFileSync(file, 'utf8'));
  return new Map(
    Object.entries(captured).map(([path, c]) => [
      path,
      { etag: c.etag, get: toAnswer(c.get), head: toAnswer(c.head), notModified: toAnswer(c.notModified) },
    ]),
  );
}

/** The answer for a request's method and `If-None-Match`. */
export function pick(route, method, ifNoneMatch) {
  if (ifNoneMatch === route.etag) return route.notModified;
  return method === 'HEAD' ? route.head : route.get;
}
