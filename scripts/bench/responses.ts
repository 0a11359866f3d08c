/**
 * What every server must answer before any of them is loaded: our answers, captured once (a GET and the 304 of a
 * revalidation with its ETag, for both documents), which the Node baselines replay (`servers/responses.js`) and
 * nginx serves as files; and the check that a server answers the same status, body bytes and headers.
 */
import { request } from 'node:http';
import { CommandError } from '../../src/errors.js';

export const JWKS_PATH = '/.well-known/jwks.json';
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** One response as read off the wire: status, headers in wire order and case, body (base64, to travel as JSON). */
export interface Answer {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

/** Per path, our current ETag, the 200 of a GET and the 304 of a GET with `If-None-Match: <ETag>`. */
export type Captured = Record<string, { readonly etag: string; readonly get: Answer; readonly notModified: Answer }>;

function fetchAnswer(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i] ?? '', res.rawHeaders[i + 1] ?? '']);
        done({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks).toString('base64') });
      });
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on('error', fail);
    req.end();
  });
}

const etagOf = (answer: Answer): string | undefined => answer.headers.find(([name]) => name.toLowerCase() === 'etag')?.[1];

/** GET and a revalidation of both documents, from our server on `port`. */
export async function capture(port: number): Promise<Captured> {
  const captured: Record<string, Captured[string]> = {};
  for (const path of [JWKS_PATH, METADATA_PATH]) {
    const get = await fetchAnswer(port, path);
    const etag = etagOf(get);
    if (get.status !== 200 || etag === undefined) throw new CommandError(`ours: GET ${path} answered ${get.status}, ETag ${String(etag)}`);
    const notModified = await fetchAnswer(port, path, { 'If-None-Match': etag });
    if (notModified.status !== 304) throw new CommandError(`ours: GET ${path} with If-None-Match: ${etag} answered ${notModified.status}`);
    captured[path] = { etag, get, notModified };
  }
  return captured;
}

/** Fields the HTTP layer writes about the connection, or about itself (nginx's `Server`): not part of the answer. */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'server']);

/**
 * How `theirs` differs from `ours`, one line per difference; empty when they are the same answer. Compared: the
 * status, the body bytes, and every other header field by name and value in any order (order carries no meaning,
 * and nginx writes its own fields first). The request id is compared by presence, since every server draws its
 * own; so is the ETag of a server that computes its own (`ownEtag`: nginx, from the file's mtime and size), whose
 * 304 is then loaded with its own ETag.
 */
export function differences(ours: Answer, theirs: Answer, ownEtag: boolean): string[] {
  const fields = (answer: Answer): string[] =>
    answer.headers
      .map(([name, value]) => [name.toLowerCase(), value] as const)
      .filter(([name]) => !TRANSPORT.has(name))
      .map(([name, value]) => `${name}: ${name === 'x-request-id' || (ownEtag && name === 'etag') ? '(any)' : value}`);
  const [expected, actual] = [fields(ours), fields(theirs)];
  const unmatched = (from: string[], other: string[]): string[] => {
    const left = [...other];
    return from.filter((field) => {
      const at = left.indexOf(field);
      if (at !== -1) left.splice(at, 1);
      return at === -1;
    });
  };
  const problems = [
    ...(ours.status === theirs.status ? [] : [`status ${theirs.status} instead of ${ours.status}`]),
    ...unmatched(expected, actual).map((field) => `missing ${field}`),
    ...unmatched(actual, expected).map((field) => `extra ${field}`),
  ];
  if (ours.body !== theirs.body) {
    const text = (answer: Answer): string => JSON.stringify(Buffer.from(answer.body, 'base64').toString('utf8').slice(0, 60));
    problems.push(`body ${text(theirs)}… instead of ${text(ours)}…`);
  }
  return problems;
}

/**
 * Checks that the server on `port` answers both documents and their 304 as ours did; resolves with the ETag it
 * sends per path (the one its 304 load revalidates with), rejects listing every difference.
 */
export async function checkSame(name: string, port: number, captured: Captured, ownEtag: boolean): Promise<Record<string, string>> {
  const problems: string[] = [];
  const etags: Record<string, string> = {};
  for (const [path, ours] of Object.entries(captured)) {
    const get = await fetchAnswer(port, path);
    const etag = etagOf(get) ?? '';
    etags[path] = etag;
    const notModified = await fetchAnswer(port, path, { 'If-None-Match': etag });
    for (const [what, expected, theirs] of [
      [`GET ${path}`, ours.get, get],
      [`GET ${path} with If-None-Match: ${etag}`, ours.notModified, notModified],
    ] as const) {
      problems.push(...differences(expected, theirs, ownEtag).map((problem) => `${what}: ${problem}`));
    }
  }
  if (problems.length > 0) throw new CommandError(`${name} does not answer what ours answers:\n  ${problems.join('\n  ')}`);
  return etags;
}
