/**
 * The build's record of the contract: openapi-backend is initialised on `openapi.json` at build time, and its
 * answers (operations, routing decisions, dereferenced component schemas) are written out together with Ajv's
 * standalone code for every response and component validator, compiled with the same Ajv configuration. The
 * server uses the record when the SHA-256 of the `openapi.json` it loads equals the recorded one, and otherwise
 * initialises openapi-backend itself, so the record can never describe another document.
 */
import standaloneModule from 'ajv/dist/standalone/index.js';
import { createAjv } from './ajv.js';
import { loadBackendCore } from './backend-core.js';
import type { CompiledContract } from './compiled-core.js';
import { loadSpecFile, specDigest, type OpenApiDocument } from './spec.js';

// ajv's standalone entry is CommonJS; under NodeNext its default export arrives as the module object.
const standaloneCode = standaloneModule.default;

/** The outcome of compiling: the module source, or why this document needs openapi-backend at startup. */
export type CompileResult = { readonly ok: true; readonly source: string } | { readonly ok: false; readonly reason: string };

function jsonSchemaOf(response: unknown): unknown {
  const content = (response as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
  return content?.['application/json']?.schema;
}

/** Compiles the record of `specFile`. Throws a `SpecError` when openapi-backend refuses the document. */
export async function compileContract(specFile: string): Promise<CompileResult> {
  const { bytes, document } = loadSpecFile(specFile);
  const core = await loadBackendCore(document);
  const dynamic = core.operations.find((operation) => !operation.staticRequest);
  if (dynamic !== undefined)
    return { ok: false, reason: `${dynamic.id} has parameters or a body, which openapi-backend validates per request` };
  if (core.operations.some((operation) => operation.path.includes('{')))
    return { ok: false, reason: 'templated paths are routed by openapi-backend per request' };

  const definition = core.backend.definition as OpenApiDocument;
  const ajv = createAjv({ code: { source: true, esm: true } });
  const exports: Record<string, string> = {};
  const add = (schema: unknown): string => {
    const name = `v${Object.keys(exports).length}`;
    // A JSON round trip refuses recursive schemas, which a static record cannot hold.
    ajv.addSchema(JSON.parse(JSON.stringify(schema)) as object, name);
    exports[name] = name;
    return name;
  };
  try {
    const responses: Record<string, Record<string, string>> = {};
    for (const operation of core.operations) {
      const declared = definition.paths?.[operation.path]?.[operation.method]?.responses ?? {};
      for (const [status, response] of Object.entries(declared)) {
        const schema = jsonSchemaOf(response);
        if (schema !== undefined) (responses[operation.id] ??= {})[status] = add(schema);
      }
    }
    const components: Record<string, { schema: Readonly<Record<string, unknown>>; validator: string }> = {};
    for (const [name, schema] of Object.entries(definition.components?.schemas ?? {})) {
      components[name] = { schema: JSON.parse(JSON.stringify(schema)) as Record<string, unknown>, validator: add(schema) };
    }
    const record: CompiledContract = {
      sha256: specDigest(bytes),
      operations: core.operations.map(({ id, method, path }) => ({ id, method, path })),
      routes: core.routes.table,
      responses,
      components,
    };
    return { ok: true, source: `${standaloneCode(ajv, exports)}\nexport const contract = ${JSON.stringify(record)};\n` };
  } catch (error) {
    return { ok: false, reason: `the validators cannot be compiled ahead of time: ${(error as Error).message}` };
  }
}
