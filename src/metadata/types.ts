/** The metadata document type, generated from `openapi.json` (never a hand-written copy). */
import type { SuccessBody } from '../../generated/operations.js';

/**
 * The body of `GET /.well-known/oauth-authorization-server`: `components.schemas.OAuthMetadata` of `openapi.json`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export type OAuthMetadata = SuccessBody<'getWellKnownOauthAuthorizationServer'>;
