/**
 * Rules only `verify` checks, because they concern HTTP answers rather than documents. The document rules
 * (issuer, endpoints, key set, schema) are the shared ones of `src/rules/`.
 */
import { rfc, type Rule } from '../rules/finding.js';
import { MAX_BODY_BYTES } from './http.js';

/** Contract and RFC rules on HTTP answers: breaking one fails the run. */
export const HTTP_RULES = {
  noRedirect: {
    id: 'http.no-redirect',
    summary: 'answered directly, not by a redirect',
    reference: rfc(8414, '3.3'),
  },
  status: { id: 'contract.status', summary: 'status 200', reference: 'openapi.json' },
  contentType: { id: 'contract.content-type', summary: 'Content-Type as openapi.json declares it', reference: 'openapi.json' },
  bodySize: {
    id: 'http.body-size',
    summary: `the body is at most ${MAX_BODY_BYTES / 1024 / 1024} MiB, all verify reads of an answer`,
    reference: 'docs/verify-and-ci.md',
  },
  json: { id: 'contract.json', summary: 'the body is JSON', reference: 'https://www.rfc-editor.org/rfc/rfc8259' },
  notFound: { id: 'contract.error-404', summary: 'an unknown path answers 404', reference: rfc(9110, '15.5.5') },
  methodNotAllowed: { id: 'contract.error-405', summary: 'a method the path lacks answers 405', reference: rfc(9110, '15.5.6') },
  jwksUri: {
    id: 'rfc8414.jwks-uri',
    summary: 'jwks_uri answers with the key set of the JWKS endpoint',
    reference: rfc(8414, '2'),
  },
} as const satisfies Record<string, Rule>;

/** HTTP recommendations: breaking one is a warning. */
export const ADVICE_RULES = {
  cacheControl: { id: 'http.cache-control', summary: 'Cache-Control is present', reference: rfc(9111, '5.2') },
  etag: { id: 'http.etag', summary: 'an ETag answers 304 to If-None-Match', reference: rfc(9110, '13.1.2') },
  allow: { id: 'http.allow', summary: 'a 405 names the allowed methods in Allow', reference: rfc(9110, '15.5.6') },
  cors: {
    id: 'http.cors',
    summary: 'Access-Control-Allow-Origin admits the origin',
    reference: 'https://fetch.spec.whatwg.org/#http-cors-protocol',
  },
  corsPreflight: {
    id: 'http.cors-preflight',
    summary: 'the CORS preflight admits the origin and the mcp-protocol-version header',
    reference: 'https://fetch.spec.whatwg.org/#cors-preflight-fetch',
  },
  head: { id: 'http.head', summary: 'HEAD answers 200 without a body', reference: rfc(9110, '9.3.2') },
} as const satisfies Record<string, Rule>;
