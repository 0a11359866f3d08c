/**
 * The metadata this service publishes when `METADATA_FILE` does not say otherwise, derived from the issuer so a
 * deployment only has to set `ISSUER`. The one place defaults are written: a member `openapi.json` makes required
 * gets its default here, one line in {@link defaultMetadata}, and its row in the table of docs/metadata.md
 * ("Defaults"), which a test compares with what is served.
 */
import { operations } from '../../generated/operations.js';
import type { OperationRef } from '../contract/operation-id.js';
import type { OAuthMetadata } from './types.js';

/**
 * Default `scopes_supported`: the OpenID Connect standard scopes `profile` and `email` (OpenID Connect Core §5.4)
 * plus `offline_access` for refresh tokens (§11), and `openid` only where the contract serves OpenID Connect
 * discovery (see {@link servesOpenIdDiscovery}). RFC 8414 §2 makes the member optional, but `openapi.json` requires
 * it and a non-empty list, so a deployment with other scopes lists them in `METADATA_FILE`.
 */
const DEFAULT_SCOPES: readonly string[] = ['profile', 'email', 'offline_access'];

/** Where OpenID Connect Discovery 1.0 §4 puts its document, relative to the issuer. */
const OPENID_DISCOVERY_PATH = '/.well-known/openid-configuration';

/**
 * Whether `served` (the contract's operations) includes OpenID Connect discovery. `openid` asks for an OpenID
 * Connect authentication; a client offered it looks for the discovery document first (openid-client's `discovery()`
 * does by default), so listing it without that document sends clients to a 404.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
function servesOpenIdDiscovery(served: readonly OperationRef[]): boolean {
  return served.some((operation) => operation.method === 'get' && operation.path === OPENID_DISCOVERY_PATH);
}

/**
 * The derived defaults for `issuer` (RFC 8414 §2): endpoints under the issuer, `jwks_uri` at this service's own
 * JWKS path from `openapi.json`, the authorization code flow with PKCE S256 for public clients. `served` is the
 * contract's operations (`Contract.operations`), which decide whether `openid` is a scope.
 *
 * Partial on purpose: a member `openapi.json` later requires without a sensible default comes from
 * `METADATA_FILE`, and the contract check names it when it is missing.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function defaultMetadata(issuer: string, served: readonly OperationRef[]): Partial<OAuthMetadata> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    jwks_uri: `${issuer}${operations.getWellKnownJwksJson.path}`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    // RFC 9700 §2.1.1: PKCE with S256 only; "plain" offers no protection once the challenge leaks.
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    scopes_supported: servesOpenIdDiscovery(served) ? ['openid', ...DEFAULT_SCOPES] : [...DEFAULT_SCOPES],
  };
}
