/**
 * openapi-backend, the contract compiler's reader of `openapi.json`, set up for OpenAPI 3.1 documents exactly as
 * upstream exports them: strict (any init failure fails the compilation), structurally checked against 3.1
 * instead of its 3.0 meta-schema, validated with Ajv 2020, and given derived operation ids where the document has
 * none. It runs at `npm run generate` only.
 */
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { listOperations } from '../../src/contract/operation-id.js';
import type { OpenApiDocument } from '../../src/contract/spec.js';
import { SpecError } from '../../src/errors.js';
import { AJV_OPTIONS, createAjv } from './ajv.js';
import { assertOpenApi31 } from './definition.js';

/** openapi-backend with the OpenAPI 3.1 structural check in place of its 3.0 meta-schema check. */
class OpenApi31Backend extends OpenAPIBackend<Document> {
  override validateDefinition(): Document {
    assertOpenApi31(this.document);
    return this.document;
  }
}

/** The initialised openapi-backend instance. */
export type Backend = OpenAPIBackend<Document>;

/**
 * A deep copy of the document in which every operation has an `operationId` (explicit or derived), as
 * openapi-backend's validators require. Two operations with the same id are a {@link SpecError}.
 */
function withOperationIds(document: OpenApiDocument): OpenApiDocument {
  const copy = structuredClone(document);
  const seen = new Map<string, string>();
  for (const ref of listOperations(copy)) {
    const where = `${ref.method.toUpperCase()} ${ref.path}`;
    const previous = seen.get(ref.id);
    if (previous !== undefined) throw new SpecError(`openapi.json: operations ${previous} and ${where} share the id "${ref.id}"`);
    seen.set(ref.id, where);
    const operation = copy.paths?.[ref.path]?.[ref.method];
    if (operation !== undefined) operation.operationId = ref.id;
  }
  return copy;
}

/**
 * Initialises openapi-backend on a copy of `document`: it dereferences the document and compiles a validator for
 * every schema with {@link createAjv}. Throws a {@link SpecError} when it refuses the document.
 */
export async function createBackend(document: OpenApiDocument): Promise<Backend> {
  const backend = new OpenApi31Backend({
    definition: withOperationIds(document),
    strict: true,
    validate: true,
    // openapi-backend defaults Ajv to non-strict; ours must reach every validator it compiles.
    ajvOpts: AJV_OPTIONS,
    // openapi-backend hands over a draft-07 Ajv; the 2020 instance shares its core API.
    customizeAjv: (_original, options) => createAjv(options),
  });
  try {
    await backend.init();
  } catch (cause) {
    if (cause instanceof SpecError) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new SpecError(`openapi-backend refused openapi.json: ${message.split('\n')[0] ?? ''}`, { cause });
  }
  return backend;
}
