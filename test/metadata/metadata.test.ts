import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract } from '../../src/contract/contract.js';
import { resolveMetadata } from '../../src/metadata/metadata.js';
import { compiledContract } from '../support/contract.js';
import { aRequiredArrayMember, jwksPath, undefinedMetadataUrlMember } from '../support/openapi.js';
import { writeSpec } from '../support/spec-copy.js';
import { configFor, problemsOf, tempDir } from './helpers.js';

const ISSUER = 'https://auth.example.com';
let contract: Contract;
const temp = tempDir();

beforeAll(() => {
  contract = Contract.load();
});

afterAll(() => temp.cleanup());

const resolveWith = (members: unknown, issuer = ISSUER) =>
  resolveMetadata(configFor(issuer, temp.write(`m-${Math.random()}.json`, members)), contract);

describe('resolveMetadata defaults', () => {
  it('derives the issuer, every URL member and the JWKS location from ISSUER (the values: docs/metadata.md, checked in test/docs)', () => {
    const metadata = resolveMetadata(configFor(ISSUER), contract) as Readonly<Record<string, unknown>>;
    expect(metadata.issuer).toBe(ISSUER);
    expect(metadata.jwks_uri).toBe(`${ISSUER}${jwksPath()}`);
    const urls = Object.entries(metadata).filter(([member]) => /_(endpoint|uri)$/.test(member));
    expect(urls.length).toBeGreaterThan(1);
    for (const [member, value] of urls) expect({ member, value }).toEqual({ member, value: expect.stringMatching(`^${ISSUER}/`) });
  });

  it('lists openid first among the scopes exactly when the contract serves GET /.well-known/openid-configuration', async () => {
    const withDiscovery = await compiledContract(
      writeSpec((document) => {
        document.paths['/.well-known/openid-configuration'] = structuredClone(document.paths['/.well-known/oauth-authorization-server']);
      }),
    );
    expect(resolveMetadata(configFor(ISSUER), withDiscovery).scopes_supported).toEqual(['openid', 'profile', 'email', 'offline_access']);
  });

  it('derives the default issuer from the port it is given (the bound one when ISSUER is unset)', () => {
    const metadata = resolveMetadata(configFor(undefined), contract, 54321);
    expect(metadata.issuer).toBe('http://localhost:54321');
    expect(metadata.jwks_uri).toBe('http://localhost:54321/.well-known/jwks.json');
    expect(resolveMetadata(configFor(ISSUER), contract, 54321).issuer).toBe(ISSUER);
  });

  it('accepts the development default http://localhost:<PORT>', () => {
    expect(resolveMetadata(configFor(undefined), contract).issuer).toBe('http://localhost:3000');
  });

  it('returns a frozen document', () => {
    const metadata = resolveMetadata(configFor(ISSUER), contract);
    expect(Object.isFrozen(metadata)).toBe(true);
    expect(Object.isFrozen(metadata.scopes_supported)).toBe(true);
  });
});

describe('resolveMetadata with METADATA_FILE', () => {
  it('replaces the defaults with the members of the file', () => {
    const metadata = resolveWith({
      scopes_supported: ['read', 'write'],
      service_documentation: 'https://docs.example.com/oauth',
      token_endpoint: 'https://tokens.example.com/token',
    });
    expect(metadata.scopes_supported).toEqual(['read', 'write']);
    expect(metadata.service_documentation).toBe('https://docs.example.com/oauth');
    expect(metadata.token_endpoint).toBe('https://tokens.example.com/token');
    expect(metadata.authorization_endpoint).toBe(`${ISSUER}/oauth/authorize`);
  });

  it('accepts an issuer in the file equal to ISSUER', () => {
    expect(resolveWith({ issuer: ISSUER }).issuer).toBe(ISSUER);
  });

  it('refuses an issuer in the file other than ISSUER', () => {
    const problems = problemsOf(() => resolveWith({ issuer: 'https://other.example.com' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^METADATA_FILE: issuer: is "https:\/\/other\.example\.com", but ISSUER is "https:\/\/auth\.example\.com"/);
  });

  it('refuses a member openapi.json does not define, naming it and openapi.json', () => {
    const member = undefinedMetadataUrlMember();
    const problems = problemsOf(() => resolveWith({ [member]: `${ISSUER}/oauth/${member}` }));
    expect(problems).toEqual([`METADATA_FILE: ${member}: is not allowed by openapi.json (additionalProperties: false)`]);
  });

  it('refuses an empty required array', () => {
    const member = aRequiredArrayMember();
    expect(problemsOf(() => resolveWith({ [member]: [] }))).toEqual([
      `METADATA_FILE: ${member}: is an empty array; openapi.json requires it, so it must list at least one value`,
    ]);
  });

  it('refuses a relative endpoint', () => {
    expect(problemsOf(() => resolveWith({ token_endpoint: '/oauth/token' }))).toEqual([
      'METADATA_FILE: token_endpoint: "/oauth/token" is not an absolute URL',
    ]);
  });

  it('refuses a member of the wrong type, as the schema says', () => {
    const member = aRequiredArrayMember();
    expect(problemsOf(() => resolveWith({ [member]: 'openid' }))).toEqual([`METADATA_FILE: ${member}: must be array`]);
  });

  it('reports every problem at once: a file with 3 problems gives 3 problems in one ConfigError', () => {
    const undefinedMember = undefinedMetadataUrlMember();
    const requiredArray = aRequiredArrayMember();
    const problems = problemsOf(() =>
      resolveWith({ issuer: 'https://other.example.com', [undefinedMember]: 'https://x.example.com', [requiredArray]: [] }),
    );
    expect(problems).toHaveLength(3);
    expect(problems.map((problem) => problem.split(':')[1]?.trim()).sort()).toEqual(['issuer', undefinedMember, requiredArray].sort());
  });

  it('reports ISSUER and METADATA_FILE problems together', () => {
    const problems = problemsOf(() => resolveWith({ jwks_uri: 'keys.json' }, 'http://auth.example.com/tenant'));
    expect(problems).toEqual([
      expect.stringMatching(/^ISSUER: "http:\/\/auth\.example\.com\/tenant" must use https/),
      expect.stringMatching(/^ISSUER: .* has the path component "\/tenant".*\(e\.g\. "https:\/\/auth\.example\.com"\)$/),
      expect.stringMatching(/^METADATA_FILE: jwks_uri: "keys.json" is not an absolute URL$/),
    ]);
  });

  it.each([
    ['an array', '[]', /^METADATA_FILE: .* holds an array; it must hold a JSON object of OAuthMetadata members$/],
    ['null', 'null', /^METADATA_FILE: .* holds null;/],
  ])('refuses a file holding %s', (_kind, content, expected) => {
    const file = temp.write('m.json', content);
    const problems = problemsOf(() => resolveMetadata(configFor(ISSUER, file), contract));
    expect(problems).toEqual([expect.stringMatching(expected)]);
  });

  it('refuses invalid JSON in one line with its line and column, quoting nothing of the file', () => {
    const file = temp.write('m.json', '{\n  "token_endpoint": "https://secret-host.example.com/token"\n  "scopes_supported": ["a"]\n}\n');
    expect(problemsOf(() => resolveMetadata(configFor(ISSUER, file), contract))).toEqual([
      `METADATA_FILE: ${file}: invalid JSON at line 3, column 3: expected ',' or '}' after property value`,
    ]);
  });

  it.each([
    [
      'a token out of place',
      '{"token_endpoint": "https://secret-host.example.com/token",\n "scopes_supported": [secret]}',
      'unexpected token',
    ],
    [
      'a truncated file',
      '{"token_endpoint": "https://secret-host.example.com/token",\n "scopes_supported":',
      'unexpected end of JSON input',
    ],
  ])('refuses invalid JSON with %s, whose position the parser does not report, in one line saying so', (_kind, content, reason) => {
    const file = temp.write('m.json', content);
    expect(problemsOf(() => resolveMetadata(configFor(ISSUER, file), contract))).toEqual([
      `METADATA_FILE: ${file}: invalid JSON (the parser reported no position): ${reason}`,
    ]);
  });

  it('refuses an unreadable file, naming it', () => {
    const missing = `${temp.dir}/missing.json`;
    expect(problemsOf(() => resolveMetadata(configFor(ISSUER, missing), contract))).toEqual([
      `METADATA_FILE: cannot read ${missing}: ENOENT`,
    ]);
  });

  it('accepts a file saved with a byte order mark', () => {
    const file = temp.write('bom.json', `\uFEFF${JSON.stringify({ scopes_supported: ['a'] })}`);
    expect(resolveMetadata(configFor(ISSUER, file), contract).scopes_supported).toEqual(['a']);
  });
});

describe('resolveMetadata ISSUER rules', () => {
  it.each([
    ['http://auth.example.com', 'must use https'],
    ['https://auth.example.com/tenant', 'openapi.json does not define'],
    ['https://auth.example.com?x=1', 'query'],
    ['https://auth.example.com#x', 'fragment'],
    ['not a url', 'not an absolute URL'],
  ])('refuses ISSUER=%s, once (not again for every derived endpoint)', (issuer, reason) => {
    const problems = problemsOf(() => resolveMetadata(configFor(issuer), contract));
    expect(problems).toEqual([expect.stringContaining(reason)]);
    expect(problems[0]).toMatch(/^ISSUER: /);
  });
});

describe('resolveMetadata determinism', () => {
  it('serves byte-identical bodies for the same configuration, in schema order whatever the file order', () => {
    const a = resolveWith({
      service_documentation: 'https://docs.example.com',
      scopes_supported: ['x'],
      token_endpoint: 'https://t.example.com',
    });
    const b = resolveWith({
      token_endpoint: 'https://t.example.com',
      scopes_supported: ['x'],
      service_documentation: 'https://docs.example.com',
    });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const schemaOrder = Object.keys(contract.componentSchema('OAuthMetadata').properties as object);
    expect(Object.keys(a)).toEqual(schemaOrder.filter((name) => name in a));
  });
});
