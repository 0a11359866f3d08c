/**
 * openapi-backend, set up for OpenAPI 3.1 documents exactly as upstream exports them: strict (any init failure
 * stops the boot), structurally checked against 3.1 instead of the 3.0 meta-schema, validated with Ajv 2020, and
 * given derived operation ids where the document has none.
 */
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { SpecError } from '../errors.js';
import { AJV_OPTIONS, createAjv } from './ajv.js';
import { assertOpenApi31 } from './definition.js';
import { withOperationIds, type OpenApiDocument } from './spec.js';

/** openapi-backend with the OpenAPI 3.1 structural check in place of its 3.0 meta-schema check. */
class OpenApi31Backend extends OpenAPIBackend<Document> {
  override validateDefinition(): Document {
    assertOpenApi31(this.document);
    return this.document;
  }
}

/** The initialised openapi-backend instance the contract layer routes and validates with. */
export type Backend = OpenAPIBackend<Document>;

/**
 * Initialises openapi-backend on a copy of `document`. Throws a {@link SpecError} naming the cause when the
 * document is refused: structure, unresolvable `$ref`, or a schema Ajv cannot compile.
 */
export async function createBackend(document: OpenApiDocument): Promise<Backend> {
  const backend = new OpenApi31Backend({
    definition: withOperationIds(document),
    strict: true,
    validate: true,
    // The public port serves exactly the contract's paths: a trailing slash is another path (404), not an alias.
    ignoreTrailingSlashes: false,
    // openapi-backend defaults Ajv to non-strict; ours must reach every validator it compiles.
    ajvOpts: AJV_OPTIONS,
    // openapi-backend hands over a draft-07 Ajv; the 2020 instance shares its core API.
    customizeAjv: (_original, options) => createAjv(options),
  });
  try {
    await backend.init();
  } catch (cause) {
    if (cause instanceof SpecError) throw cause;
    throw new SpecError(`openapi-backend refused openapi.json: ${(cause as Error).message}`, { cause });
  }
  return backend;
}
