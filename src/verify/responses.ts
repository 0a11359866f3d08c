/**
 * The contract checks every JSON answer gets: no redirect, the expected status, the JSON media type the contract
 * declares for it, a JSON body that validates against its schema in `openapi.json`.
 */
import type { SchemaProblem } from '../contract/schema-problems.js';
import { finding, type Finding, type Rule } from '../rules/finding.js';
import { SCHEMA_RULE, schemaFindings } from '../rules/schema.js';
import { MAX_BODY_BYTES, mediaType, type Exchange } from './http.js';
import { HTTP_RULES } from './rules.js';
import type { Session } from './session.js';

/** The media type of error bodies, and of a document whose operation names none. */
export const JSON_MEDIA_TYPE = 'application/json';

/** What an answer must be. */
export interface ExpectedResponse {
  readonly status: number;
  /** The rule the status belongs to (`contract.status`, `contract.error-404`, …). */
  readonly statusRule: Rule;
  /** The media type of the body: `application/json`, or the one the operation declares (`application/jwk-set+json`). */
  readonly mediaType: string;
  /** Schema problems of the body, from the contract. */
  readonly problems: (body: unknown) => readonly SchemaProblem[];
}

/** Records the contract checks of `exchange`; returns its parsed body when it got that far, else `undefined`. */
export function checkJsonResponse(session: Session, exchange: Exchange, expected: ExpectedResponse): unknown {
  const report = session.report;
  const subject = session.subject(exchange.method, exchange.url);
  const { status, headers } = exchange;
  const redirect = status >= 300 && status < 400;
  const location = headers.get('location') ?? '(no Location header)';
  report.check(
    HTTP_RULES.noRedirect,
    subject,
    redirect ? [finding(HTTP_RULES.noRedirect, `${status} redirect to ${location}; clients do not follow it`, 'Location')] : [],
    `answered ${status}`,
  );
  const statusFindings: Finding[] =
    status === expected.status ? [] : [finding(expected.statusRule, `is ${status}, expected ${expected.status}`, 'status')];
  report.check(expected.statusRule, subject, statusFindings, `${status}`);
  if (status !== expected.status) return undefined;

  const type = mediaType(headers);
  const must = `must be ${expected.mediaType}`;
  const typeFindings: Finding[] =
    type === expected.mediaType
      ? []
      : [finding(HTTP_RULES.contentType, type === undefined ? `is missing; ${must}` : `is "${type}"; ${must}`, 'Content-Type')];
  report.check(HTTP_RULES.contentType, subject, typeFindings, headers.get('content-type') ?? '');
  if (!checkBodySize(session, exchange)) return undefined;

  let body: unknown;
  try {
    body = JSON.parse(exchange.body);
  } catch (error) {
    report.check(HTTP_RULES.json, subject, [finding(HTTP_RULES.json, `is not JSON: ${(error as Error).message}`, 'body')], '');
    return undefined;
  }
  report.check(HTTP_RULES.json, subject, [], `${exchange.body.length} characters of JSON`);
  report.check(SCHEMA_RULE, subject, schemaFindings(expected.problems(body)), SCHEMA_RULE.summary);
  return body;
}

/**
 * Records the `http.body-size` result of `exchange`; false when its body was too long to be read (and so cannot
 * be checked further).
 */
function checkBodySize(session: Session, exchange: Exchange): boolean {
  const findings = exchange.oversized
    ? [finding(HTTP_RULES.bodySize, `is over ${MAX_BODY_BYTES} bytes; verify stopped reading there`, 'body')]
    : [];
  session.report.check(HTTP_RULES.bodySize, session.subject(exchange.method, exchange.url), findings, `${exchange.bodyBytes} bytes`);
  return !exchange.oversized;
}
