/**
 * The contract's error answers, provoked on purpose: an unknown path must answer 404 and a method the path
 * lacks 405, both with an `ApiErrorResponse` body (and the 405 with `Allow`, RFC 9110 §15.5.6).
 */
import { randomUUID } from 'node:crypto';
import { operations } from '../../generated/operations.js';
import { finding, type Rule } from '../rules/finding.js';
import type { Exchange } from './http.js';
import { checkJsonResponse } from './responses.js';
import { ADVICE_RULES, HTTP_RULES } from './rules.js';
import type { Session } from './session.js';

/** The component of `openapi.json` every error answer must match. */
const ERROR_SCHEMA = 'ApiErrorResponse';

/** Methods sent to the JWKS path, which `openapi.json` defines for GET only. */
const UNSUPPORTED_METHODS = ['POST', 'DELETE'] as const;

/** Records the 404 and 405 results. */
export async function checkErrorResponses(session: Session): Promise<void> {
  // Random, so that no real document (or a cached answer) can sit at the path.
  const unknown = session.url(`/.well-known/does-not-exist-${randomUUID()}`);
  const notFound = await session.request(HTTP_RULES.notFound, unknown);
  if (notFound !== undefined) checkError(session, notFound, 404, HTTP_RULES.notFound);

  const jwksUrl = session.url(operations.getWellKnownJwksJson.path);
  for (const method of UNSUPPORTED_METHODS) {
    const exchange = await session.request(HTTP_RULES.methodNotAllowed, jwksUrl, { method });
    if (exchange === undefined) continue;
    checkError(session, exchange, 405, HTTP_RULES.methodNotAllowed);
    if (exchange.status === 405) checkAllow(session, exchange);
  }
}

function checkError(session: Session, exchange: Exchange, status: number, statusRule: Rule): void {
  checkJsonResponse(session, exchange, { status, statusRule, problems: (body) => session.contract.componentIssues(ERROR_SCHEMA, body) });
}

function checkAllow(session: Session, exchange: Exchange): void {
  const allow = exchange.headers.get('allow');
  const methods = (allow ?? '').split(',').map((method) => method.trim().toUpperCase());
  const findings =
    allow === null
      ? [finding(ADVICE_RULES.allow, 'is missing; RFC 9110 §15.5.6 requires it on a 405', 'Allow')]
      : methods.includes('GET') && !methods.includes(exchange.method)
        ? []
        : [finding(ADVICE_RULES.allow, `is "${allow}"; it should list GET and not ${exchange.method}`, 'Allow')];
  session.report.check(ADVICE_RULES.allow, session.subject(exchange.method, exchange.url), findings, `Allow: ${allow ?? ''}`, 'warn');
}
