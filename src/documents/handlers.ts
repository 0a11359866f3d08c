/**
 * Where handlers are registered: the one place that says which data each operation of `openapi.json` serves.
 * An operation added to the contract is a type error here after `npm run generate` (its id is a required member
 * of {@link Handlers}), and `bindHandlers` (`registry.ts`) refuses the same at startup, naming this file.
 *
 * Two kinds of handler, as `generated/operations.ts` records each operation's kind:
 * - a **document** (a GET with no parameters and no request body) has a {@link DocumentSource}: a value that never
 *   changes while the service runs is a {@link constantSource} of it (as the metadata is); a document that changes
 *   notifies its subscribers (as the key store does). Serialization, validation against the operation's 200
 *   schema, ETags, 304 and HTTP are done for it;
 * - any other **operation** has an {@link OperationHandler}: a function of its validated inputs (path, query and
 *   header parameters, JSON body) that returns a declared success status and its body, validated before it is sent.
 *
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 */
import type { KindOf, OperationId, SuccessBody } from '../../generated/operations.js';
import type { Jwks } from '../keys/public-jwk.js';
import type { OAuthMetadata } from '../metadata/types.js';
import { constantSource, type DocumentSource } from './document-source.js';
import type { OperationHandler } from './operation-handler.js';

/** Every operation's handler, typed from `generated/`: an operation of the contract without one is a type error. */
export type Handlers = {
  readonly [K in OperationId]: KindOf<K> extends 'document' ? DocumentSource<SuccessBody<K>> : OperationHandler<K>;
};

/** This file, as the boot refusal for an operation without a handler names it. */
export const HANDLERS_FILE = 'src/documents/handlers.ts';

/** What the handlers serve from: the service's live inputs, resolved at startup. */
export interface HandlerInputs {
  /** The published key set (the key store), which changes as keys rotate. */
  readonly keys: DocumentSource<Jwks>;
  /** The metadata resolved at startup for the bound port. */
  readonly metadata: OAuthMetadata;
}

/** One handler per operation of `openapi.json`. */
export function registerHandlers({ keys, metadata }: HandlerInputs): Handlers {
  return {
    getWellKnownJwksJson: keys,
    getWellKnownOauthAuthorizationServer: constantSource(metadata),
  };
}
