/**
 * Local fixture servers for the verify tests: node:http on 127.0.0.1, port 0. `startServer` runs any handler;
 * `startFixture` runs a fully correct well-known service whose behaviour a test breaks in one place.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { operations, type OperationId } from '../../generated/operations.js';
import { Contract } from '../../src/contract/contract.js';
import { constantSource } from '../../src/documents/document-source.js';
import { registerHandlers } from '../../src/documents/handlers.js';
import { MethodNotAllowedError, NotFoundError, type HttpError } from '../../src/errors.js';
import { errorRendering } from '../../src/http/errors.js';
import type { Jwks } from '../../src/keys/public-jwk.js';
import { defaultMetadata } from '../../src/metadata/defaults.js';
import type { OAuthMetadata } from '../../src/metadata/types.js';
import { successMediaType } from '../support/openapi.js';

export const METADATA_PATH = operations.getWellKnownOauthAuthorizationServer.path;
export const JWKS_PATH = operations.getWellKnownJwksJson.path;

/** A running server; `url` has no trailing slash. */
export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse, base: string) => void;

/** Starts `handler` on 127.0.0.1 with a free port. */
export async function startServer(handler: Handler): Promise<RunningServer> {
  let base = '';
  const server = createServer((request, response) => handler(request, response, base));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A public RSA JWK as node:crypto exports it, with the members the contract requires. */
export function rsaKey(kid: string, modulusLength = 2048): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

/** A private RSA JWK (with d, p, q, …), for the "private member" fixture. */
export function privateRsaKey(kid: string): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

/** Where a fixture departs from a correct service. */
export interface FixtureBreak {
  /** The metadata document served, from the correct one. */
  readonly metadata?: (correct: Record<string, unknown>, base: string) => unknown;
  /** The key set served. */
  readonly jwks?: (correct: { keys: Record<string, unknown>[] }) => unknown;
  /** Leave out Content-Type on the documents. */
  readonly noContentType?: boolean;
  /** Leave out Cache-Control on the documents. */
  readonly noCacheControl?: boolean;
  /** Answers first; returns true when it handled the request. */
  readonly intercept?: (request: IncomingMessage, response: ServerResponse, base: string) => boolean;
}

/** Two real 2048-bit keys, generated once per test file. */
let keys: Record<string, unknown>[] | undefined;
export function correctKeys(): Record<string, unknown>[] {
  keys ??= [rsaKey('key-2025-01'), rsaKey('key-2025-02')];
  return keys;
}

const CORS = { 'access-control-allow-origin': '*' };

/**
 * Answers `error` as this project's server does, in the shape the contract declares for it (`route`: the matched
 * path of openapi.json, if any), so that an operation added with upstream-style errors is answered right too.
 */
function sendError(response: ServerResponse, error: HttpError, route: string | undefined, method: string, path: string): void {
  const allow = error instanceof MethodNotAllowedError ? { allow: error.allow.join(', ') } : {};
  response.writeHead(error.status, { 'content-type': 'application/json', ...CORS, ...allow });
  response.end(JSON.stringify(errorRendering(Contract.load()).body(error, route, method, path)));
}

/**
 * The document of every operation of the contract, by path, as this project's own handlers serve it from
 * `metadata` and `jwks`: an operation added to openapi.json (and its handler) is served here with no change.
 */
function servedDocuments(metadata: OAuthMetadata, jwks: Jwks): Record<string, unknown> {
  const handlers = registerHandlers({ keys: constantSource(jwks), metadata });
  return Object.fromEntries(Object.entries(operations).map(([id, operation]) => [operation.path, handlers[id as OperationId].current()]));
}

/** The subject of each operation's document in a verify report, in the order verify requests them. */
export function documentSubjects(): string[] {
  const subjects = Object.values(operations).map((operation) => `${operation.method.toUpperCase()} ${operation.path}`);
  const metadata = `GET ${METADATA_PATH}`;
  return [metadata, ...subjects.filter((subject) => subject !== metadata)];
}

/** Starts a correct well-known service, changed by `broken`. */
export function startFixture(broken: FixtureBreak = {}): Promise<RunningServer> {
  return startServer((request, response, base) => {
    if (broken.intercept?.(request, response, base) === true) return;
    const path = (request.url ?? '/').split('?')[0];
    const correctMetadata = { ...defaultMetadata(base, []) };
    const correctJwks = { keys: correctKeys() };
    const documents = servedDocuments(correctMetadata as OAuthMetadata, correctJwks as Jwks);
    if (broken.metadata) documents[METADATA_PATH] = broken.metadata(correctMetadata, base);
    if (broken.jwks) documents[JWKS_PATH] = broken.jwks(correctJwks);
    const method = request.method ?? 'GET';
    if (path === undefined || !(path in documents))
      return sendError(response, new NotFoundError('fixture 404'), undefined, method, path ?? '/');
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        ...CORS,
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        'access-control-allow-headers': 'mcp-protocol-version, content-type',
        'access-control-max-age': '600',
      });
      return void response.end();
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return sendError(response, new MethodNotAllowedError(method, ['GET', 'HEAD', 'OPTIONS']), path, method, path);
    }
    const body = JSON.stringify(documents[path]);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    const headers: Record<string, string> = { ...CORS, etag };
    if (broken.noContentType !== true) headers['content-type'] = `${successMediaType(path, 'get')}; charset=utf-8`;
    if (broken.noCacheControl !== true) headers['cache-control'] = 'public, max-age=300';
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, headers);
      return void response.end();
    }
    response.writeHead(200, headers);
    response.end(request.method === 'HEAD' ? undefined : body);
  });
}
