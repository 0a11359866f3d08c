/**
 * The contract's error answers, provoked on purpose: an unknown path must answer 404, and a method a path of the
 * contract lacks 405 (with `Allow`, RFC 9110 §15.5.6), each with the body `openapi.json` declares for it, by the
 * same rule the server renders errors by (`src/contract/error-schemas.ts`).
 */
import { randomUUID } from 'node:crypto';
import { methodNotAllowedValidator, unroutedErrorValidator } from '../contract/error-schemas.js';
import { finding, type Rule } from '../rules/finding.js';
import type { Exchange } from './http.js';
import { checkJsonResponse, JSON_MEDIA_TYPE } from './responses.js';
import { ADVICE_RULES, HTTP_RULES } from './rules.js';
import type { Session } from './session.js';

/** Methods sent to each path of the contract when it defines none of them (it defines GET). */
const UNSUPPORTED_METHODS = ['POST', 'DELETE'] as const;

/** Records the 404 result, and the 405 results of every path of the contract. */
export async function checkErrorResponses(session: Session): Promise<void> {
  const contract = session.contract;
  // Random, so that no real document (or a cached answer) can sit at the path.
  const unknown = session.url(`/.well-known/does-not-exist-${randomUUID()}`);
  const notFound = await session.request(HTTP_RULES.notFound, unknown);
  if (notFound !== undefined) checkError(session, notFound, 404, HTTP_RULES.notFound, unroutedErrorValidator(contract));

  const paths = new Map<string, Set<string>>();
  for (const operation of contract.operations) {
    paths.set(operation.path, (paths.get(operation.path) ?? new Set<string>()).add(operation.method.toUpperCase()));
  }
  for (const [path, methods] of paths) {
    const validator = methodNotAllowedValidator(contract, path);
    for (const method of UNSUPPORTED_METHODS.filter((candidate) => !methods.has(candidate))) {
      const exchange = await session.request(HTTP_RULES.methodNotAllowed, session.url(path), { method });
      if (exchange === undefined) continue;
      checkError(session, exchange, 405, HTTP_RULES.methodNotAllowed, validator);
      if (exchange.status === 405) checkAllow(session, exchange, methods);
    }
  }
}

function checkError(session: Session, exchange: Exchange, status: number, statusRule: Rule, validator: string): void {
  checkJsonResponse(session, exchange, {
    status,
    statusRule,
    mediaType: JSON_MEDIA_TYPE,
    problems: (body) => session.contract.validatorIssues(validator, body),
  });
}

function checkAllow(session: Session, exchange: Exchange, defined: ReadonlySet<string>): void {
  const allow = exchange.headers.get('allow');
  const methods = new Set((allow ?? '').split(',').map((method) => method.trim().toUpperCase()));
  const expected = [...defined].join(' and ');
  const findings =
    allow === null
      ? [finding(ADVICE_RULES.allow, 'is missing; RFC 9110 §15.5.6 requires it on a 405', 'Allow')]
      : [...defined].every((method) => methods.has(method)) && !methods.has(exchange.method)
        ? []
        : [finding(ADVICE_RULES.allow, `is "${allow}"; it should list ${expected} and not ${exchange.method}`, 'Allow')];
  session.report.check(ADVICE_RULES.allow, session.subject(exchange.method, exchange.url), findings, `Allow: ${allow ?? ''}`, 'warn');
}
