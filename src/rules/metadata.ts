/**
 * Rules on an authorization server metadata document beyond its JSON schema: the issuer is the expected one
 * (RFC 8414 §3.3), endpoints are absolute https URLs without fragment (RFC 8414 §2, RFC 6749 §3.1/§3.2), and the
 * arrays the contract requires are not empty.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
import { finding, rfc, type Finding, type Rule } from './finding.js';
import { issuerFindings } from './issuer.js';
import { requiredArrayMembers } from './schema.js';
import { HTTPS_EXPLANATION, hasSecureScheme, rawComponents } from './url.js';
import { isJsonObject } from '../json-file.js';

const SECTION_2 = rfc(8414, '2');

/** The metadata rules, by short name. */
export const METADATA_RULES = {
  issuerMatch: {
    id: 'rfc8414.issuer-match',
    summary: 'the issuer is identical to the expected issuer',
    reference: rfc(8414, '3.3'),
  },
  endpointAbsolute: { id: 'rfc8414.endpoint-absolute', summary: 'every endpoint member is an absolute URL', reference: SECTION_2 },
  endpointHttps: {
    id: 'rfc8414.endpoint-https',
    summary: 'every endpoint member uses https (http only on loopback)',
    reference: rfc(6749, '3.1'),
  },
  endpointNoFragment: {
    id: 'rfc6749.endpoint-no-fragment',
    summary: 'no endpoint member has a fragment component',
    reference: rfc(6749, '3.1'),
  },
  requiredArrayNonEmpty: {
    id: 'rfc8414.required-array-non-empty',
    summary: 'every array the contract requires lists at least one value',
    reference: SECTION_2,
  },
} as const satisfies Record<string, Rule>;

/** Members named as URLs although their names do not say so (RFC 8414 §2, OpenID Connect Discovery §3). */
const URL_MEMBERS: readonly string[] = ['service_documentation', 'op_policy_uri', 'op_tos_uri'];

/**
 * Whether member `name` holds a URL: names ending `_endpoint`, `_uri` or `_url`, and {@link URL_MEMBERS}. Decided
 * by name so that members added to `openapi.json` later are checked without a code change.
 */
function isEndpointMember(name: string): boolean {
  return /_(?:endpoint|uri|url)$/.test(name) || URL_MEMBERS.includes(name);
}

/**
 * `actual` (the `issuer` member) is exactly `expected`; `expectedFrom` says where that came from (`ISSUER`, `the
 * base URL`). `advice`, given the issuer a string `actual` names, says what to change to make them match.
 */
export function issuerMatchFindings(
  actual: unknown,
  expected: string,
  expectedFrom: string,
  advice?: (actual: string) => string,
): Finding[] {
  if (actual === expected) return [];
  const shown = typeof actual === 'string' ? `"${actual}"` : (JSON.stringify(actual) ?? 'missing');
  const fix = typeof actual === 'string' && advice !== undefined ? `: ${advice(actual)}` : '';
  return [
    finding(
      METADATA_RULES.issuerMatch,
      `is ${shown}, but ${expectedFrom} is "${expected}"; RFC 8414 §3.3 requires them to be identical${fix}`,
      'issuer',
    ),
  ];
}

/** Every endpoint member (see {@link isEndpointMember}) that is not an absolute https URL without fragment. */
function endpointFindings(metadata: Readonly<Record<string, unknown>>): Finding[] {
  const findings: Finding[] = [];
  for (const [member, value] of Object.entries(metadata)) {
    // A non-string is a schema problem, reported by the schema check; reporting it here too would count it twice.
    if (!isEndpointMember(member) || typeof value !== 'string') continue;
    const url = URL.parse(value);
    if (url === null) {
      findings.push(finding(METADATA_RULES.endpointAbsolute, `"${value}" is not an absolute URL`, member));
      continue;
    }
    if (!hasSecureScheme(url))
      findings.push(finding(METADATA_RULES.endpointHttps, `"${value}" must use https; ${HTTPS_EXPLANATION}`, member));
    if (rawComponents(value).hasFragment) {
      findings.push(finding(METADATA_RULES.endpointNoFragment, `"${value}" has a fragment component; RFC 6749 §3.1 forbids it`, member));
    }
  }
  return findings;
}

/** Every member of `members` that holds an empty array. */
function requiredArrayFindings(metadata: Readonly<Record<string, unknown>>, members: readonly string[]): Finding[] {
  return members
    .filter((member) => Array.isArray(metadata[member]) && (metadata[member] as unknown[]).length === 0)
    .map((member) =>
      finding(
        METADATA_RULES.requiredArrayNonEmpty,
        'is an empty array; openapi.json requires it, so it must list at least one value',
        member,
      ),
    );
}

/** What {@link metadataFindings} compares the document with. */
export interface MetadataExpectations {
  /** The `OAuthMetadata` component schema of `openapi.json` (`contract.componentSchema('OAuthMetadata')`). */
  readonly schema: Readonly<Record<string, unknown>>;
  /** The issuer the document must carry. */
  readonly issuer: string;
  /** Where {@link MetadataExpectations.issuer} came from, for messages (`ISSUER`, `the base URL`). */
  readonly issuerFrom: string;
  /** What to change when the document's issuer (a string) is another: see {@link issuerMatchFindings}. */
  readonly issuerAdvice?: (actual: string) => string;
}

/**
 * Every RFC rule of a metadata document: issuer identical to the expected one and itself valid
 * ({@link issuerFindings}), endpoints, and required arrays derived from the schema. The schema itself is checked
 * by the contract (`Contract.componentIssues`), not here.
 */
export function metadataFindings(metadata: unknown, expected: MetadataExpectations): Finding[] {
  if (!isJsonObject(metadata)) return [];
  const issuer = metadata.issuer;
  return [
    ...issuerMatchFindings(issuer, expected.issuer, expected.issuerFrom, expected.issuerAdvice),
    ...(typeof issuer === 'string' ? issuerFindings(issuer) : []),
    ...endpointFindings(metadata),
    ...requiredArrayFindings(metadata, requiredArrayMembers(expected.schema)),
  ];
}
