import { describe, expect, it } from 'vitest';
import { issuerFindings } from '../../src/rules/issuer.js';

const rulesOf = (issuer: string) => issuerFindings(issuer).map((found) => found.rule);

describe('issuerFindings (RFC 8414 §2, §3.1)', () => {
  it.each([
    'https://auth.example.com',
    'https://auth.example.com:8443',
    'http://localhost:3000',
    'http://127.0.0.1:8080',
    'http://[::1]:3000',
  ])('accepts %s', (issuer) => {
    expect(issuerFindings(issuer)).toEqual([]);
  });

  it('refuses plain http on a public host, saying where http is allowed', () => {
    const [found, ...rest] = issuerFindings('http://auth.example.com');
    expect(rest).toEqual([]);
    expect(found).toMatchObject({ rule: 'rfc8414.issuer-https', member: 'issuer' });
    expect(found?.message).toContain('localhost, 127.0.0.1, ::1');
  });

  it('refuses http on hosts that only look local', () => {
    expect(rulesOf('http://127.0.0.2')).toEqual(['rfc8414.issuer-https']);
    expect(rulesOf('http://localhost.example.com')).toEqual(['rfc8414.issuer-https']);
  });

  it('refuses a path, naming the path-inserted well-known URL openapi.json does not define', () => {
    const [found, ...rest] = issuerFindings('https://auth.example.com/tenant1');
    expect(rest).toEqual([]);
    expect(found?.rule).toBe('rfc8414.issuer-no-path');
    expect(found?.message).toContain('https://auth.example.com/.well-known/oauth-authorization-server/tenant1');
    expect(found?.message).toContain('openapi.json');
  });

  it('refuses a trailing slash', () => {
    expect(rulesOf('https://auth.example.com/')).toEqual(['rfc8414.issuer-no-path']);
  });

  it('refuses a query, even an empty one', () => {
    expect(rulesOf('https://auth.example.com?tenant=1')).toEqual(['rfc8414.issuer-no-query']);
    expect(rulesOf('https://auth.example.com?')).toEqual(['rfc8414.issuer-no-query']);
  });

  it('refuses a fragment, even an empty one', () => {
    expect(rulesOf('https://auth.example.com#x')).toEqual(['rfc8414.issuer-no-fragment']);
    expect(rulesOf('https://auth.example.com#')).toEqual(['rfc8414.issuer-no-fragment']);
  });

  it('refuses a URL without a host', () => {
    expect(rulesOf('urn:example:issuer')).toEqual(['rfc8414.issuer-https', 'rfc8414.issuer-host']);
  });

  it('refuses what is not an absolute URL, and stops there', () => {
    expect(rulesOf('auth.example.com')).toEqual(['rfc8414.issuer-url']);
    expect(rulesOf('/relative')).toEqual(['rfc8414.issuer-url']);
    expect(rulesOf('')).toEqual(['rfc8414.issuer-url']);
  });

  it('reports every problem of one issuer', () => {
    expect(rulesOf('http://auth.example.com/x?y#z')).toEqual([
      'rfc8414.issuer-https',
      'rfc8414.issuer-no-query',
      'rfc8414.issuer-no-fragment',
      'rfc8414.issuer-no-path',
    ]);
  });

  it.each([
    ['https://Auth.Example.com', 'https://auth.example.com'],
    ['https://auth.example.com:443', 'https://auth.example.com'],
    ['https://user@auth.example.com', 'https://auth.example.com'],
  ])('refuses the non-canonical %s, suggesting %s', (issuer, canonical) => {
    const [found] = issuerFindings(issuer);
    expect(found?.rule).toBe('rfc8414.issuer-canonical');
    expect(found?.message).toContain(`"${canonical}"`);
  });

  it('names the member it was given', () => {
    expect(issuerFindings('ftp://x.example', 'ISSUER')[0]?.member).toBe('ISSUER');
  });
});
