/**
 * Rules on the issuer identifier (RFC 8414 §2): an https URL with a host and no query or fragment. This service
 * also refuses a path: RFC 8414 §3.1 would move the metadata of such an issuer to a path-inserted well-known URL,
 * and `openapi.json` defines only the root one.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
import { operations } from '../../generated/operations.js';
import { finding, rfc, type Finding, type Rule } from './finding.js';
import { HTTPS_EXPLANATION, hasSecureScheme, rawComponents } from './url.js';

const SECTION_2 = rfc(8414, '2');
const METADATA_PATH = operations.getWellKnownOauthAuthorizationServer.path;

/** The issuer rules, by short name. */
export const ISSUER_RULES = {
  url: { id: 'rfc8414.issuer-url', summary: 'the issuer is an absolute URL', reference: SECTION_2 },
  https: { id: 'rfc8414.issuer-https', summary: 'the issuer uses https (http only on loopback)', reference: SECTION_2 },
  host: { id: 'rfc8414.issuer-host', summary: 'the issuer has a host', reference: SECTION_2 },
  noQuery: { id: 'rfc8414.issuer-no-query', summary: 'the issuer has no query component', reference: SECTION_2 },
  noFragment: { id: 'rfc8414.issuer-no-fragment', summary: 'the issuer has no fragment component', reference: SECTION_2 },
  noPath: {
    id: 'rfc8414.issuer-no-path',
    summary: 'the issuer has no path, so its metadata lives at the well-known URL openapi.json defines',
    reference: rfc(8414, '3.1'),
  },
  canonical: {
    id: 'rfc8414.issuer-canonical',
    summary: 'the issuer is written in canonical form (lower-case host, no default port, no user info)',
    reference: rfc(8414, '3.3'),
  },
} as const satisfies Record<string, Rule>;

/**
 * Every way `issuer` breaks the {@link ISSUER_RULES}; empty when it is a valid issuer for this service.
 * `member` names where the value came from in the findings (default `issuer`).
 */
export function issuerFindings(issuer: string, member = 'issuer'): Finding[] {
  // Without a base, URL.parse refuses relative references: exactly "absolute URL" (RFC 3986 §4.3).
  const url = URL.parse(issuer);
  if (url === null) {
    return [finding(ISSUER_RULES.url, `"${issuer}" is not an absolute URL such as https://auth.example.com`, member)];
  }
  const findings: Finding[] = [];
  const raw = rawComponents(issuer);
  if (!hasSecureScheme(url)) {
    findings.push(finding(ISSUER_RULES.https, `"${issuer}" must use https (RFC 8414 §2); ${HTTPS_EXPLANATION}`, member));
  }
  if (url.host === '') findings.push(finding(ISSUER_RULES.host, `"${issuer}" has no host`, member));
  if (raw.hasQuery) findings.push(finding(ISSUER_RULES.noQuery, `"${issuer}" has a query component; RFC 8414 §2 forbids it`, member));
  if (raw.hasFragment) {
    findings.push(finding(ISSUER_RULES.noFragment, `"${issuer}" has a fragment component; RFC 8414 §2 forbids it`, member));
  }
  // URLs without a host (urn:, mailto:) have an opaque path that is not a path component in this sense.
  if (url.host !== '') findings.push(...pathFindings(issuer, url, raw.trailingSlash, member));
  if (findings.length === 0 && issuer !== url.origin) {
    findings.push(
      finding(
        ISSUER_RULES.canonical,
        `"${issuer}" is not in canonical form; clients compare the issuer character by character (RFC 8414 §3.3), use "${url.origin}"`,
        member,
      ),
    );
  }
  return findings;
}

function pathFindings(issuer: string, url: URL, trailingSlash: boolean, member: string): Finding[] {
  const path = url.pathname.replace(/\/$/, '');
  // Suggest an issuer that passes every rule, not one that trades this finding for the https one.
  const suggestion = hasSecureScheme(url) ? url.origin : `https://${url.host}`;
  if (path !== '') {
    const inserted = `${url.origin}${METADATA_PATH}${path}`;
    return [
      finding(
        ISSUER_RULES.noPath,
        `"${issuer}" has the path component "${url.pathname}": RFC 8414 §3.1 places the metadata of such an issuer at ${inserted}, ` +
          `which openapi.json does not define; use an issuer without a path (e.g. "${suggestion}")`,
        member,
      ),
    ];
  }
  if (trailingSlash) {
    return [
      finding(
        ISSUER_RULES.noPath,
        `"${issuer}" ends with "/"; RFC 8414 §3.3 compares issuers character by character and endpoint URLs are built by appending paths, use "${suggestion}"`,
        member,
      ),
    ];
  }
  return [];
}
