import { beforeAll, describe, expect, it } from 'vitest';
import { Contract } from '../../src/contract/contract.js';
import { defaultMetadata } from '../../src/metadata/defaults.js';
import type { Finding } from '../../src/rules/finding.js';
import { issuerMatchFindings, metadataFindings } from '../../src/rules/metadata.js';
import { requiredArrayMembers } from '../../src/rules/schema.js';
import { aRequiredArrayMember, requiredArrayMembersOf } from '../support/openapi.js';

const ISSUER = 'https://auth.example.com';
let schema: Readonly<Record<string, unknown>>;

beforeAll(() => {
  schema = Contract.load().componentSchema('OAuthMetadata');
});

/** The findings of a document holding the expected issuer and `members`, checked against `arraySchema` (default: none). */
function findingsOf(members: Record<string, unknown>, arraySchema: Readonly<Record<string, unknown>> = {}): Finding[] {
  return metadataFindings({ issuer: ISSUER, ...members }, { schema: arraySchema, issuer: ISSUER, issuerFrom: 'ISSUER' });
}

const ENDPOINT_RULES: readonly string[] = ['rfc8414.endpoint-absolute', 'rfc8414.endpoint-https', 'rfc6749.endpoint-no-fragment'];

describe('metadataFindings: which members hold URLs', () => {
  it.each(['authorization_endpoint', 'jwks_uri', 'registration_endpoint', 'logo_url', 'service_documentation', 'op_tos_uri'])(
    'treats %s as a URL',
    (name) => {
      expect(findingsOf({ [name]: '/relative' })).toEqual([expect.objectContaining({ rule: 'rfc8414.endpoint-absolute', member: name })]);
    },
  );

  it.each(['issuer', 'scopes_supported', 'grant_types_supported', 'uri_scheme'])('does not treat %s as a URL', (name) => {
    expect(findingsOf({ [name]: '/relative' }).filter((found) => ENDPOINT_RULES.includes(found.rule))).toEqual([]);
  });
});

describe('metadataFindings: endpoints', () => {
  it('accepts https URLs and http on loopback', () => {
    expect(
      findingsOf({
        token_endpoint: 'https://auth.example.com/t',
        jwks_uri: 'http://127.0.0.1:3000/k',
        service_documentation: 'http://localhost/docs',
      }),
    ).toEqual([]);
  });

  it('refuses a relative endpoint, naming it', () => {
    expect(findingsOf({ token_endpoint: '/oauth/token' })).toEqual([
      { rule: 'rfc8414.endpoint-absolute', member: 'token_endpoint', message: '"/oauth/token" is not an absolute URL' },
    ]);
  });

  it('refuses plain http on a public host and a fragment', () => {
    expect(findingsOf({ authorization_endpoint: 'http://auth.example.com/authorize#x' }).map((found) => found.rule)).toEqual([
      'rfc8414.endpoint-https',
      'rfc6749.endpoint-no-fragment',
    ]);
  });

  it('leaves non-string values to the schema check', () => {
    expect(findingsOf({ jwks_uri: 42 })).toEqual([]);
  });
});

describe('issuerMatchFindings (RFC 8414 §3.3)', () => {
  it('accepts the identical issuer', () => {
    expect(issuerMatchFindings(ISSUER, ISSUER, 'ISSUER')).toEqual([]);
  });

  it.each([`${ISSUER}/`, 'https://AUTH.example.com', undefined, 42])('refuses %j, naming where the expected issuer came from', (actual) => {
    const [found] = issuerMatchFindings(actual, ISSUER, 'the base URL');
    expect(found).toMatchObject({ rule: 'rfc8414.issuer-match', member: 'issuer' });
    expect(found?.message).toContain(`the base URL is "${ISSUER}"`);
  });
});

describe('required arrays', () => {
  it('derives the required arrays from the schema of openapi.json', () => {
    expect(requiredArrayMembers(schema).sort()).toEqual(requiredArrayMembersOf('OAuthMetadata').sort());
  });

  it('follows the schema, not a list in code', () => {
    const custom = {
      required: ['a', 'b', 'c'],
      properties: { a: { type: 'array' }, b: { type: ['array', 'null'] }, c: { type: 'string' }, d: { type: 'array' } },
    };
    expect(requiredArrayMembers(custom)).toEqual(['a', 'b']);
  });

  it('refuses an empty required array, naming it', () => {
    const arrays = {
      required: ['scopes_supported', 'grant_types_supported'],
      properties: { scopes_supported: { type: 'array' }, grant_types_supported: { type: 'array' } },
    };
    expect(findingsOf({ scopes_supported: [], grant_types_supported: ['x'] }, arrays)).toEqual([
      expect.objectContaining({ rule: 'rfc8414.required-array-non-empty', member: 'scopes_supported' }),
    ]);
  });
});

describe('metadataFindings', () => {
  it('accepts the defaults of a valid issuer', () => {
    expect(metadataFindings(defaultMetadata(ISSUER, []), { schema, issuer: ISSUER, issuerFrom: 'ISSUER' })).toEqual([]);
  });

  it('reports every rule broken at once', () => {
    const document = {
      ...defaultMetadata(ISSUER, []),
      issuer: 'http://other.example.com',
      token_endpoint: 'token',
      [aRequiredArrayMember()]: [],
    };
    expect(metadataFindings(document, { schema, issuer: ISSUER, issuerFrom: 'ISSUER' }).map((found) => found.rule)).toEqual([
      'rfc8414.issuer-match',
      'rfc8414.issuer-https',
      'rfc8414.endpoint-absolute',
      'rfc8414.required-array-non-empty',
    ]);
  });

  it('leaves a document that is not an object to the schema check', () => {
    expect(metadataFindings([], { schema, issuer: ISSUER, issuerFrom: 'ISSUER' })).toEqual([]);
  });
});
