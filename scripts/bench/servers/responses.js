/**
 * The answers the Node baselines give: ours's, captured by the bench into the JSON file `BENCH_RESPONSES` names
 * (for each path a GET's 200 and the 304 of a revalidation with its ETag), without the fields Node writes itself
 * per connection.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';

const NODE_OWN = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

const toAnswer = (captured) => {
  const headers = captured.headers.filter(([name]) => !NODE_OWN.has(name.toLowerCase()));
  return {
    status: captured.status,
    headers,
    // For `ctx.set`, which Koa follows with the Content-Length of the body it is given.
    object: Object.fromEntries(headers.filter(([name]) => name.toLowerCase() !== 'content-length')),
    body: Buffer.from(captured.body, 'base64'),
  };
};

/** Path → { etag, get, notModified }, from the JSON file the bench wrote. */
export function loadResponses(file) {
  const captured = JSON.parse(readFileSync(file, 'utf8'));
  return new Map(
    Object.entries(captured).map(([path, c]) => [path, { etag: c.etag, get: toAnswer(c.get), notModified: toAnswer(c.notModified) }]),
  );
}

/** The answer for a request's `If-None-Match`. */
export function pick(route, ifNoneMatch) {
  return ifNoneMatch === route.etag ? route.notModified : route.get;
}
