/**
 * openapi-backend, set up for OpenAPI 3.1 documents exactly as upstream exports them: strict (any init failure is
 * a refusal), structurally checked against 3.1 instead of its 3.0 meta-schema, validated with Ajv 2020, and given
 * derived operation ids where the document has none. The contract compiler reads `openapi.json` with it
 * (`npm run generate`); the server's run-time tier (`src/http/operations.ts`) matches and validates the requests
 * of operations with it, and loads it only when the contract has such operations.
 */
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { listOperations } from './operation-id.js';
import type { OpenApiDocument } from './spec.js';
import { SpecError } from '../errors.js';
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

/** `application/json`, the one request media type openapi-backend validates bodies of. */
const JSON_TYPE = 'application/json';

/**
 * A deep copy of the document in which every operation has an `operationId` (explicit or derived), as
 * openapi-backend's validators require. With `jsonBodies`, a request body declared under one JSON media type
 * (the compiler refuses any other, `scripts/contract/shapes.ts`) is declared under `application/json`, the one
 * whose bodies openapi-backend validates: the server reads the body as JSON whatever its `+json` type. Two
 * operations with the same id are a {@link SpecError}.
 */
function withOperationIds(document: OpenApiDocument, jsonBodies: boolean): OpenApiDocument {
  const copy = structuredClone(document);
  const seen = new Map<string, string>();
  for (const ref of listOperations(copy)) {
    const where = `${ref.method.toUpperCase()} ${ref.path}`;
    const previous = seen.get(ref.id);
    if (previous !== undefined) throw new SpecError(`openapi.json: operations ${previous} and ${where} share the id "${ref.id}"`);
    seen.set(ref.id, where);
    const operation = copy.paths?.[ref.path]?.[ref.method];
    if (operation === undefined) continue;
    operation.operationId = ref.id;
    if (!jsonBodies) continue;
    const declared = operation.requestBody;
    // A `$ref` names a component; the component is rewritten, for every operation that refers to it.
    const body =
      declared !== undefined && '$ref' in declared
        ? copy.components?.requestBodies?.[declared.$ref.replace('#/components/requestBodies/', '')]
        : declared;
    const types = body !== undefined && 'content' in body ? Object.keys(body.content) : [];
    if (body !== undefined && 'content' in body && types.length === 1 && types[0] !== JSON_TYPE) {
      body.content = { [JSON_TYPE]: body.content[types[0] as string] ?? {} };
    }
  }
  return copy;
}

/**
 * Initialises openapi-backend on a copy of `document`: it dereferences the document and compiles a validator for
 * every schema with {@link createAjv}. `validatesBodies`: it is to validate request bodies (the run-time tier),
 * whatever their JSON media type. Throws a {@link SpecError} when it refuses the document.
 */
export async function createBackend(document: OpenApiDocument, validatesBodies = false): Promise<Backend> {
  const backend = new OpenApi31Backend({
    definition: withOperationIds(document, validatesBodies),
    strict: true,
    validate: true,
    // openapi-backend defaults Ajv to non-strict; ours must reach every validator it compiles.
    ajvOpts: AJV_OPTIONS,
    // openapi-backend hands over a draft-07 Ajv; the 2020 instance shares its core API.
    customizeAjv: (_original, options) => createAjv(options),
    // A path of the contract with a trailing slash is another path, as for documents (`src/http/router.ts`).
    ignoreTrailingSlashes: false,
    // Path and query parameters reach handlers as their schemas type them (`?limit=5` as a number).
    coerceTypes: true,
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
