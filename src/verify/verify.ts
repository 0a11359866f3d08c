/**
 * `verify`: checks a running deployment from the outside, the way OAuth clients see it, against `openapi.json`,
 * RFC 8414 (metadata), RFC 7517/7518/8725 (key set) and HTTP recommendations. The document rules are the shared
 * ones of `src/rules/`, the same the server applies at startup.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
import type { OperationId } from '../../generated/operations.js';
import { Contract } from '../contract/contract.js';
import { JWKS_RULES, jwksFindings } from '../rules/jwks.js';
import { checkAdvice } from './advice.js';
import { normalizeBaseUrl } from './base-url.js';
import { checkErrorResponses } from './error-responses.js';
import type { Exchange } from './http.js';
import { checkMetadata } from './metadata-checks.js';
import type { Report } from './report.js';
import { checkJsonResponse, JSON_MEDIA_TYPE } from './responses.js';
import { HTTP_RULES } from './rules.js';
import { Session } from './session.js';

export type { Report } from './report.js';

/** Default time limit per request: generous for a cold CDN edge, short enough for a CI step. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Default Origin of the CORS checks; a deployment with a CORS allow-list passes one of its origins instead. */
export const DEFAULT_ORIGIN = 'https://example.com';

/** How to run {@link verify}. */
export interface VerifyOptions {
  /** Time limit per request. Default {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Origin sent by the CORS checks. Default {@link DEFAULT_ORIGIN}. */
  readonly origin?: string;
  /** The contract to check against. Default: the project's `openapi.json`. */
  readonly contract?: Contract;
  /** Called with one line before each request. */
  readonly onProgress?: (line: string) => void;
}

/**
 * Verifies the deployment at `baseUrl` (its issuer, e.g. `https://auth.example.com`) and returns the report.
 * Throws a `UsageError` for a base URL that is not an http(s) URL, and an `UnreachableError` (one-line message)
 * when the metadata document gets no HTTP answer at all; every other problem is a result in the report.
 */
export async function verify(baseUrl: string, options: VerifyOptions = {}): Promise<Report> {
  const base = normalizeBaseUrl(baseUrl);
  const contract = options.contract ?? Contract.load();
  const session = new Session(
    base,
    contract,
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options.origin ?? DEFAULT_ORIGIN,
    options.onProgress ?? (() => undefined),
  );

  const documents = await fetchDocuments(session);
  const metadata = documents.get(METADATA_OPERATION);
  const jwks = documents.get(JWKS_OPERATION);
  if (metadata?.body !== undefined) {
    await checkMetadata(session, metadata.body, jwks?.body === undefined ? undefined : { url: jwks.exchange.url, body: jwks.body });
  }
  if (jwks?.body !== undefined) session.report.checkAll(Object.values(JWKS_RULES), 'jwks', jwksFindings(jwks.body));
  await checkErrorResponses(session);
  for (const document of documents.values()) {
    if (document.body !== undefined && document.exchange.method === 'GET') await checkAdvice(session, document.exchange);
  }
  return session.report.build(base);
}

/** The operation whose document every run starts with: without an answer there, the run cannot continue. */
const METADATA_OPERATION: OperationId = 'getWellKnownOauthAuthorizationServer';
const JWKS_OPERATION: OperationId = 'getWellKnownJwksJson';

interface FetchedDocument {
  readonly exchange: Exchange;
  /** The parsed body when it passed the contract's status, content-type and JSON checks. */
  readonly body: unknown;
}

/**
 * Requests every operation of the contract, the metadata first, and records its contract checks (status 200,
 * the media type it declares, the body against the operation's 200 schema). Returns the answers by operation id.
 */
async function fetchDocuments(session: Session): Promise<Map<string, FetchedDocument>> {
  const operations = [...session.contract.operations].sort(
    (a, b) => Number(b.id === METADATA_OPERATION) - Number(a.id === METADATA_OPERATION),
  );
  const documents = new Map<string, FetchedDocument>();
  for (const operation of operations) {
    const exchange = await session.request(HTTP_RULES.status, session.url(operation.path), {
      method: operation.method.toUpperCase(),
      fatal: operation.id === METADATA_OPERATION,
    });
    if (exchange === undefined) continue;
    const body = checkJsonResponse(session, exchange, {
      status: 200,
      statusRule: HTTP_RULES.status,
      mediaType: operation.mediaTypes['200'] ?? JSON_MEDIA_TYPE,
      problems: (value) => session.contract.responseIssues(operation.id, 200, value),
    });
    documents.set(operation.id, { exchange, body });
  }
  return documents;
}
