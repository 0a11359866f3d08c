/**
 * Our responses, captured for the baselines (`servers/responses.js` answers them), and the check that every
 * server answers the same bytes with the same headers before any of them is loaded.
 */
import { request, type IncomingHttpHeaders } from 'node:http';

/** The two documents. */
export const JWKS_PATH = '/.well-known/jwks.json';
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** A response read completely, headers in wire order and casing. */
interface Response {
  readonly status: number;
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
  readonly parsed: IncomingHttpHeaders;
}

function fetchRaw(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false, timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i] ?? '', res.rawHeaders[i + 1] ?? '']);
        done({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks), parsed: res.headers });
      });
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

/** Per-connection headers Node writes itself on every server; everything else is copied. */
const NODE_OWN = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

interface Captured {
  readonly status: number;
  readonly headers: Array<[string, string]>;
  readonly body: string;
}

/** Path → its current ETag and the three answers the baselines give. */
export type CapturedPaths = Record<
  string,
  { readonly etag: string; readonly get: Captured; readonly head: Captured; readonly notModified: Captured }
>;

const capture = (response: Response): Captured => ({
  status: response.status,
  headers: response.headers.filter(([name]) => !NODE_OWN.has(name.toLowerCase())),
  body: response.body.toString('base64'),
});

/** GET, HEAD and a 304 revalidation of both documents from our server on `port`. */
export async function captureOurs(port: number): Promise<CapturedPaths> {
  const result: CapturedPaths = {};
  for (const path of [JWKS_PATH, METADATA_PATH]) {
    const get = await fetchRaw(port, path);
    const etag = get.parsed.etag;
    if (get.status !== 200 || typeof etag !== 'string') throw new Error(`GET ${path}: ${get.status}, ETag ${String(etag)}`);
    const head = await fetchRaw(port, path, 'HEAD');
    const notModified = await fetchRaw(port, path, 'GET', { 'If-None-Match': etag });
    if (head.status !== 200 || notModified.status !== 304)
      throw new Error(`HEAD ${path}: ${head.status}, 304 check: ${notModified.status}`);
    result[path] = { etag, get: capture(get), head: capture(head), notModified: capture(notModified) };
  }
  return result;
}

/** Status, headers (Date left out, the request id by length) and body, for comparing two servers. */
const normalize = (r: Response): string =>
  JSON.stringify([
    r.status,
    r.headers.filter(([n]) => !NODE_OWN.has(n.toLowerCase())).map(([n, v]) => [n, n.toLowerCase() === 'x-request-id' ? v.length : v]),
    r.body.toString('base64'),
  ]);

/** Differences between what `ours` and `other` answer to the captured requests; empty when byte-identical. */
export async function differences(ours: number, other: number, paths: CapturedPaths): Promise<string[]> {
  const problems: string[] = [];
  for (const [path, c] of Object.entries(paths)) {
    for (const [method, headers] of [
      ['GET', {}],
      ['HEAD', {}],
      ['GET', { 'If-None-Match': c.etag }],
    ] as const) {
      const [a, b] = [normalize(await fetchRaw(ours, path, method, headers)), normalize(await fetchRaw(other, path, method, headers))];
      if (a !== b) problems.push(`${method} ${path} ${JSON.stringify(headers)}:\n  ours  ${a}\n  other ${b}`);
    }
  }
  return problems;
}
