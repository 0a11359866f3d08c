/**
 * HTTP recommendations for the discovery documents, reported as warnings: caching (Cache-Control, ETag with
 * 304 revalidation), CORS for browser-based clients (MCP clients send `mcp-protocol-version`), and HEAD.
 */
import { finding, type Finding, type Rule } from '../rules/finding.js';
import type { Exchange } from './http.js';
import { ADVICE_RULES } from './rules.js';
import type { CheckRequest, Session } from './session.js';

/** The request header browser-based MCP clients add, which a preflight must admit. */
const PREFLIGHT_HEADER = 'mcp-protocol-version';

/** Records the warnings for `document`, a successful GET of a discovery document. */
export async function checkAdvice(session: Session, document: Exchange): Promise<void> {
  const record = (rule: Rule, findings: Finding[], evidence: string, method = 'GET') =>
    session.report.check(rule, session.subject(method, document.url), findings, evidence, 'warn');
  const ask = (rule: Rule, options: CheckRequest) => session.request(rule, document.url, { ...options, severity: 'warn' });

  const cacheControl = document.headers.get('cache-control');
  record(
    ADVICE_RULES.cacheControl,
    headerFindings(ADVICE_RULES.cacheControl, 'Cache-Control', cacheControl, 'clients and CDNs cannot tell how long to cache'),
    `Cache-Control: ${cacheControl ?? ''}`,
  );

  const etag = document.headers.get('etag');
  if (etag === null) {
    record(
      ADVICE_RULES.etag,
      headerFindings(ADVICE_RULES.etag, 'ETag', etag, 'clients must download the whole document to revalidate'),
      '',
    );
  } else {
    const revalidated = await ask(ADVICE_RULES.etag, { headers: { 'if-none-match': etag } });
    if (revalidated !== undefined) record(ADVICE_RULES.etag, statusFindings(ADVICE_RULES.etag, revalidated, [304]), `ETag: ${etag} → 304`);
  }

  const cors = await ask(ADVICE_RULES.cors, { headers: { origin: session.origin } });
  if (cors !== undefined)
    record(
      ADVICE_RULES.cors,
      originFindings(ADVICE_RULES.cors, cors, session.origin),
      `Access-Control-Allow-Origin: ${cors.headers.get('access-control-allow-origin') ?? ''}`,
    );

  const preflight = await ask(ADVICE_RULES.corsPreflight, {
    method: 'OPTIONS',
    headers: { origin: session.origin, 'access-control-request-method': 'GET', 'access-control-request-headers': PREFLIGHT_HEADER },
  });
  if (preflight !== undefined) {
    const findings = [
      ...statusFindings(ADVICE_RULES.corsPreflight, preflight, [204, 200]),
      ...originFindings(ADVICE_RULES.corsPreflight, preflight, session.origin),
      ...allowHeadersFindings(preflight),
    ];
    record(ADVICE_RULES.corsPreflight, findings, `${preflight.status}, admits ${session.origin} and ${PREFLIGHT_HEADER}`, 'OPTIONS');
  }

  const head = await ask(ADVICE_RULES.head, { method: 'HEAD' });
  if (head !== undefined) {
    const body =
      head.bodyBytes === 0 && !head.oversized
        ? []
        : [finding(ADVICE_RULES.head, `answered a body${head.oversized ? ' over the read limit' : ` of ${head.bodyBytes} bytes`}`, 'body')];
    record(ADVICE_RULES.head, [...statusFindings(ADVICE_RULES.head, head, [200]), ...body], `${head.status}, no body`, 'HEAD');
  }
}

function headerFindings(rule: Rule, header: string, value: string | null, why: string): Finding[] {
  return value === null ? [finding(rule, `is missing; ${why}`, header)] : [];
}

function statusFindings(rule: Rule, exchange: Exchange, expected: readonly number[]): Finding[] {
  if (expected.includes(exchange.status)) return [];
  return [finding(rule, `${exchange.method} answered ${exchange.status}, expected ${expected.join(' or ')}`, 'status')];
}

function originFindings(rule: Rule, exchange: Exchange, origin: string): Finding[] {
  const allowOrigin = exchange.headers.get('access-control-allow-origin');
  if (allowOrigin === '*' || allowOrigin === origin) return [];
  const seen = allowOrigin === null ? 'is missing' : `is "${allowOrigin}"`;
  return [
    finding(
      rule,
      `${seen}; browsers at ${origin} cannot read the document (pass --origin for an allow-listed origin)`,
      'Access-Control-Allow-Origin',
    ),
  ];
}

function allowHeadersFindings(preflight: Exchange): Finding[] {
  const allowHeaders = preflight.headers.get('access-control-allow-headers');
  const admitted = (allowHeaders ?? '').split(',').map((name) => name.trim().toLowerCase());
  if (admitted.includes(PREFLIGHT_HEADER) || admitted.includes('*')) return [];
  const seen = allowHeaders === null ? 'is missing' : `is "${allowHeaders}"`;
  return [finding(ADVICE_RULES.corsPreflight, `${seen}; it must admit ${PREFLIGHT_HEADER}`, 'Access-Control-Allow-Headers')];
}
