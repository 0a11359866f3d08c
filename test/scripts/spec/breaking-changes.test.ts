/**
 * Optic's judgement of changes to the contract, on temporary copies of openapi.json: every kind of break a
 * client would suffer is reported with where a client meets it and where the file defines it. (That additions
 * pass is checked end to end in check.test.ts.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findBreakingChanges, type BreakingChange } from '../../../scripts/spec/breaking-changes.js';
import { tempDir } from '../../support/keys.js';
import { metadataOperation, oauthMetadata, requireMember, ROOT, type SpecDocument } from './helpers.js';

/** Generous: Optic starts in a few seconds, longer on a loaded machine. */
const OPTIC_TIMEOUT = 120_000;

/**
 * openapi.json plus what the changes below need, whatever openapi.json has today: a request parameter with an enum,
 * a response enum, and jwks_uri required.
 */
function baseDocument(): SpecDocument {
  const document = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as SpecDocument;
  requireMember('jwks_uri')(document);
  metadataOperation(document).parameters = [
    { name: 'resource', in: 'query', required: false, schema: { type: 'string', enum: ['api', 'mcp'] } },
  ];
  oauthMetadata(document).properties.token_endpoint_auth_methods_supported = { type: 'string', enum: ['none'] };
  return document;
}

function write(document: SpecDocument): string {
  const file = join(tempDir('wk-breaking-'), 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  return file;
}

const base = Buffer.from(JSON.stringify(baseDocument(), null, 2));

describe('breaking changes', () => {
  let changes: BreakingChange[];
  const find = (rule: string, at: string): BreakingChange | undefined =>
    changes.find((change) => change.rule === rule && change.at.includes(at));

  beforeAll(async () => {
    const head = baseDocument();
    delete head.paths['/.well-known/jwks.json'];
    const metadata = oauthMetadata(head);
    metadata.required = metadata.required.filter((name: string) => name !== 'jwks_uri');
    metadata.properties.issuer.type = 'integer';
    metadata.properties.token_endpoint_auth_methods_supported.enum = ['none', 'private_key_jwt'];
    const parameters = metadataOperation(head).parameters;
    parameters[0].schema.enum = ['api'];
    parameters.push({ name: 'tenant', in: 'query', required: true, schema: { type: 'string' } });
    // None of Optic's own ways around a break count: a major version bump, an exemption, another standard.
    head.info.version = 'v2.0.0';
    metadata.properties.jwks_uri['x-optic-exemptions'] = ['prevent making response property optional'];
    head['x-optic-standard'] = 'lenient.yml';
    changes = await findBreakingChanges(base, write(head));
  }, OPTIC_TIMEOUT);

  it('a required response property made optional (jwks_uri), located in OAuthMetadata, even with a major version bump and an x-optic-exemptions', () => {
    const change = find('prevent making response property optional', 'jwks_uri');
    expect(change?.at).toBe('GET /.well-known/oauth-authorization-server response 200 response body: application/json property jwks_uri');
    expect(change?.change).toContain("'jwks_uri' optional");
    expect(change).toMatchObject({ file: 'head', pointer: '#/components/schemas/OAuthMetadata/properties/jwks_uri' });
  });

  it('a removed path, reported once for its operation with everything removed inside it', () => {
    const change = find('prevent operation removal', 'GET /.well-known/jwks.json');
    expect(change).toMatchObject({ at: 'GET /.well-known/jwks.json', file: 'base', pointer: '#/paths/~1.well-known~1jwks.json/get' });
    expect(change?.inside).toBeGreaterThan(0);
    expect(changes.filter((other) => other.at.startsWith('GET /.well-known/jwks.json'))).toHaveLength(1);
  });

  it('a changed response property type', () => {
    expect(find('prevent response property type changes', 'property issuer')).toMatchObject({
      pointer: '#/components/schemas/OAuthMetadata/properties/issuer',
    });
  });

  it('a removed request enum value', () => {
    const change = find('prevent query parameters enum breaking changes', 'query parameter: resource');
    expect(change?.change).toContain("'mcp'");
    expect(change?.pointer).toBe('#/paths/~1.well-known~1oauth-authorization-server/get/parameters/0');
  });

  it('a new response enum value, which clients may not know', () => {
    expect(find('request and response property enums', 'token_endpoint_auth_methods_supported')?.change).toContain("'private_key_jwt'");
  });

  it('a new required request parameter', () => {
    expect(find('prevent new required query parameters', 'query parameter: tenant')?.change).toContain('required query parameter tenant');
  });

  it('nothing else', () => {
    expect(changes).toHaveLength(6);
  });
});

describe('a document Optic cannot read', () => {
  it('a base that is not JSON is an error locating the fault, quoting nothing of it', async () => {
    const broken = Buffer.from('{\n  "openapi": "3.1.0"\n  "info": {}\n}\n');
    await expect(findBreakingChanges(broken, write(baseDocument()))).rejects.toThrow(
      /^the base openapi\.json: invalid JSON at line 3, column 3: expected ',' or '}' after property value$/,
    );
  });

  it(
    'is an error naming Optic, not an empty list of changes',
    async () => {
      const head = baseDocument();
      head.paths = 'not paths';
      await expect(findBreakingChanges(base, write(head))).rejects.toThrow(/^optic diff failed/);
    },
    OPTIC_TIMEOUT,
  );
});
