/**
 * Every metadata problem names where the offending value came from, and so what fixes it: METADATA_FILE only for
 * the members the file set, ISSUER for the issuer and the members derived from it, and the built-in defaults of
 * src/metadata/defaults.ts for the rest (which a contract change can leave behind).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract } from '../../src/contract/contract.js';
import { defaultSpecPath } from '../../src/contract/spec.js';
import { checkMetadata, resolveMetadata } from '../../src/metadata/metadata.js';
import { compiledContract } from '../support/contract.js';
import { undefinedMetadataUrlMember } from '../support/openapi.js';
import { configFor, problemsOf, tempDir } from './helpers.js';

const ISSUER = 'https://auth.example.com';
/** The scopes the service publishes when METADATA_FILE names none (src/metadata/defaults.ts). */
const DEFAULT_SCOPES = ['profile', 'email', 'offline_access'];
/** A member the later contract requires, which has no default since openapi.json does not define it today. */
const NO_DEFAULT = undefinedMetadataUrlMember();
const temp = tempDir();
let stricter: Contract;

interface Schema {
  required: string[];
  properties: Record<string, Record<string, unknown>>;
}

/**
 * openapi.json as a later contract might have it: more scopes than the defaults list, a required member with no
 * default, a pattern the endpoints derived from this ISSUER miss, and a short issuer.
 */
beforeAll(async () => {
  const document = JSON.parse(readFileSync(defaultSpecPath(), 'utf8')) as { components: { schemas: { OAuthMetadata: Schema } } };
  const schema = document.components.schemas.OAuthMetadata;
  schema.properties.scopes_supported = { ...schema.properties.scopes_supported, minItems: DEFAULT_SCOPES.length + 1 };
  schema.properties[NO_DEFAULT] = { type: 'string' };
  schema.required.push(NO_DEFAULT);
  schema.properties.jwks_uri = { ...schema.properties.jwks_uri, pattern: '^https://keys\\.' };
  schema.properties.issuer = { ...schema.properties.issuer, maxLength: 24 };
  stricter = await compiledContract(temp.write('openapi.json', JSON.stringify(document)));
});
afterAll(() => temp.cleanup());

const FIVE_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'read'];

describe('resolveMetadata attributes each problem to its source', () => {
  it('without METADATA_FILE, names no METADATA_FILE problem: built-in default, missing member, ISSUER', () => {
    expect(problemsOf(() => resolveMetadata(configFor(ISSUER), stricter))).toEqual([
      `${NO_DEFAULT}: is required by openapi.json; there is no built-in default: set ${NO_DEFAULT} in METADATA_FILE`,
      'ISSUER: jwks_uri: must match pattern "^https://keys\\." (derived from ISSUER; set jwks_uri in METADATA_FILE to replace it)',
      `built-in default: scopes_supported: must NOT have fewer than ${DEFAULT_SCOPES.length + 1} items; set scopes_supported in METADATA_FILE to replace the default (src/metadata/defaults.ts)`,
    ]);
  });

  it('a file that sets the members fixes every problem but those of the issuer itself', () => {
    const file = temp.write('fixes.json', {
      jwks_uri: 'https://keys.example.com/jwks.json',
      [NO_DEFAULT]: `${ISSUER}/register`,
      scopes_supported: FIVE_SCOPES,
    });
    expect(resolveMetadata(configFor(ISSUER, file), stricter)).toMatchObject({ scopes_supported: FIVE_SCOPES });
    expect(problemsOf(() => resolveMetadata(configFor('https://login.auth.example.com', file), stricter))).toEqual([
      'ISSUER: issuer: must NOT have more than 24 characters',
    ]);
  });

  it('names METADATA_FILE for exactly the members the file set', () => {
    const file = temp.write('partial.json', { [NO_DEFAULT]: `${ISSUER}/register`, scopes_supported: ['openid'] });
    expect(problemsOf(() => resolveMetadata(configFor(ISSUER, file), stricter))).toEqual([
      expect.stringMatching(/^ISSUER: jwks_uri: /),
      `METADATA_FILE: scopes_supported: must NOT have fewer than ${DEFAULT_SCOPES.length + 1} items`,
    ]);
  });

  it('does not repeat an invalid ISSUER for the members derived from it', () => {
    const file = temp.write('others.json', { [NO_DEFAULT]: 'https://auth.example.com/register', scopes_supported: FIVE_SCOPES });
    expect(problemsOf(() => resolveMetadata(configFor('http://auth.example.com', file), stricter))).toEqual([
      expect.stringMatching(/^ISSUER: "http:\/\/auth\.example\.com" must use https/),
    ]);
  });

  it('names the built-in defaults (and the file, when set) for a problem of the document as a whole', async () => {
    const document = JSON.parse(readFileSync(defaultSpecPath(), 'utf8')) as { components: { schemas: { OAuthMetadata: Schema } } };
    Object.assign(document.components.schemas.OAuthMetadata, { maxProperties: 1 });
    const small = await compiledContract(temp.write('small.json', JSON.stringify(document)));
    expect(problemsOf(() => resolveMetadata(configFor(ISSUER), small))).toEqual([
      'metadata: must NOT have more than 1 properties (the built-in defaults)',
    ]);
    const file = temp.write('one.json', { scopes_supported: ['openid'] });
    expect(problemsOf(() => resolveMetadata(configFor(ISSUER, file), small))).toEqual([
      'metadata: must NOT have more than 1 properties (the built-in defaults with METADATA_FILE)',
    ]);
  });

  it('says nothing of the issuer or the members derived from it when the issuer cannot be derived (PORT refused)', () => {
    expect(checkMetadata(configFor(undefined), stricter, undefined).problems).toEqual([
      `${NO_DEFAULT}: is required by openapi.json; there is no built-in default: set ${NO_DEFAULT} in METADATA_FILE`,
      `built-in default: scopes_supported: must NOT have fewer than ${DEFAULT_SCOPES.length + 1} items; set scopes_supported in METADATA_FILE to replace the default (src/metadata/defaults.ts)`,
    ]);
    const file = temp.write('with-issuer.json', { issuer: 'https://elsewhere.example.com', jwks_uri: 'http://keys.example.com/jwks.json' });
    expect(checkMetadata(configFor(undefined, file), stricter, undefined).problems).toEqual([
      expect.stringMatching(new RegExp(`^${NO_DEFAULT}: `)),
      'METADATA_FILE: jwks_uri: must match pattern "^https://keys\\."',
      expect.stringMatching(/^built-in default: scopes_supported: /),
      expect.stringMatching(/^METADATA_FILE: jwks_uri: "http:\/\/keys\.example\.com\/jwks\.json" must use https/),
    ]);
    // With ISSUER set, PORT plays no part: every rule of the issuer still runs.
    expect(checkMetadata(configFor('http://auth.example.com', file), stricter, undefined).problems).toEqual([
      expect.stringMatching(/^METADATA_FILE: issuer: is "https:\/\/elsewhere\.example\.com", but ISSUER is "http:\/\/auth\.example\.com"/),
      expect.stringMatching(new RegExp(`^${NO_DEFAULT}: `)),
      'METADATA_FILE: jwks_uri: must match pattern "^https://keys\\."',
      expect.stringMatching(/^built-in default: scopes_supported: /),
      expect.stringMatching(/^ISSUER: "http:\/\/auth\.example\.com" must use https/),
      expect.stringMatching(/^METADATA_FILE: jwks_uri: "http:\/\/keys\.example\.com\/jwks\.json" must use https/),
    ]);
  });

  it('when METADATA_FILE cannot be read, names only it and the issuer: the file could replace any other member', () => {
    const missing = `${temp.dir}/absent.json`;
    expect(checkMetadata(configFor('https://login.auth.example.com', missing), stricter, 3000).problems).toEqual([
      `METADATA_FILE: cannot read ${missing}: ENOENT`,
      'ISSUER: issuer: must NOT have more than 24 characters',
    ]);
  });

  it('with the contract of this repository, the built-in defaults pass (the defaults and openapi.json agree)', () => {
    expect(resolveMetadata(configFor(ISSUER), Contract.load()).scopes_supported).toEqual(DEFAULT_SCOPES);
  });
});
