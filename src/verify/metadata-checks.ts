/**
 * RFC 8414 checks of the served metadata: the shared document rules (issuer identical to the base URL, issuer
 * form, endpoints, required arrays), then that `jwks_uri` answers with the same key set as the JWKS endpoint.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
import { isDeepStrictEqual } from 'node:util';
import { METADATA_SCHEMA } from '../metadata/metadata.js';
import { finding, type Finding } from '../rules/finding.js';
import { ISSUER_RULES } from '../rules/issuer.js';
import { METADATA_RULES, metadataFindings } from '../rules/metadata.js';
import { MAX_BODY_BYTES } from './http.js';
import { HTTP_RULES } from './rules.js';
import type { Session } from './session.js';
import { isJsonObject } from '../json-file.js';

/** The JWKS endpoint's document, when it answered one. */
export interface ServedKeySet {
  readonly url: string;
  readonly body: unknown;
}

/** Records the RFC 8414 results of `metadata`, comparing what `jwks_uri` serves with `jwks`. */
export async function checkMetadata(session: Session, metadata: unknown, jwks: ServedKeySet | undefined): Promise<void> {
  const schema = session.contract.componentSchema(METADATA_SCHEMA);
  const findings = metadataFindings(metadata, {
    schema,
    issuer: session.base,
    issuerFrom: 'the base URL',
    issuerAdvice: issuerAdvice(session.base),
  });
  session.report.checkAll([...Object.values(ISSUER_RULES), ...Object.values(METADATA_RULES)], 'metadata', findings);
  const jwksUri = isJsonObject(metadata) ? metadata.jwks_uri : undefined;
  session.report.check(
    HTTP_RULES.jwksUri,
    'metadata',
    await jwksUriFindings(session, jwksUri, jwks),
    `${String(jwksUri)} serves the same key set`,
  );
}

/**
 * What fixes an issuer other than the base URL: verify the issuer's own URL (typically `localhost` where
 * `127.0.0.1` was given), or, when the server should answer at the base URL, set its `ISSUER` to it (this
 * service's setting; the development default is `http://localhost:<PORT>`).
 */
function issuerAdvice(base: string): (served: string) => string {
  return (served) => `verify the issuer's own URL (npm run verify -- ${served}), or set ISSUER=${base} where the server runs`;
}

async function jwksUriFindings(session: Session, jwksUri: unknown, jwks: ServedKeySet | undefined): Promise<Finding[]> {
  const fail = (message: string): Finding[] => [finding(HTTP_RULES.jwksUri, message, 'jwks_uri')];
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) return fail(`${JSON.stringify(jwksUri) ?? 'missing'} is not a URL to fetch`);
  const exchange = await session.request(HTTP_RULES.jwksUri, jwksUri);
  if (exchange === undefined) return [];
  if (exchange.status !== 200) {
    const location = exchange.headers.get('location');
    return fail(`${jwksUri} answered ${exchange.status}${location === null ? '' : ` (redirect to ${location})`}, expected 200`);
  }
  if (exchange.oversized) return fail(`${jwksUri} answered a body over ${MAX_BODY_BYTES} bytes; verify stopped reading there`);
  let served: unknown;
  try {
    served = JSON.parse(exchange.body);
  } catch {
    return fail(`${jwksUri} did not answer JSON`);
  }
  if (jwks !== undefined && !isDeepStrictEqual(keysOf(served), keysOf(jwks.body))) {
    return fail(`${jwksUri} serves a different key set than ${jwks.url}`);
  }
  return [];
}

/**
 * The keys of a set as a `Set`, which `isDeepStrictEqual` compares as a multiset of deeply equal values: equal for
 * the same keys in any order or member order.
 */
function keysOf(set: unknown): Set<unknown> {
  return new Set(isJsonObject(set) && Array.isArray(set.keys) ? set.keys : []);
}
