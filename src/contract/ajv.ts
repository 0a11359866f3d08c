/**
 * The one Ajv configuration of the contract compiler: JSON Schema draft 2020-12 (the dialect of OpenAPI 3.1,
 * §4.8.24) with `ajv-formats`, whose full set includes OpenAPI's own format names (`int32`, `int64`, `float`,
 * `double`, `byte`, `binary`, `password`; OpenAPI 3.1 §4.2), so type arrays, `{}` schemas and `format` are
 * enforced as written. The validators it compiles are emitted as standalone code (`compile.ts`); the server never
 * loads Ajv's compiler.
 */
import { Ajv2020, type Options } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Keywords OpenAPI adds to its schema objects; they annotate and never fail validation. */
const OPENAPI_KEYWORDS = ['discriminator', 'xml', 'externalDocs', 'example'];

/**
 * Options of every Ajv instance. Strict schema mode makes unknown keywords and formats compile errors; the
 * strictness rules about types and `required` are off because they reject valid OpenAPI exports.
 */
export const AJV_OPTIONS: Options = Object.freeze({
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
});

/** Creates an Ajv 2020 instance with {@link AJV_OPTIONS}, every format of `ajv-formats` and OpenAPI's keywords. */
export function createAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ ...AJV_OPTIONS, ...options });
  addFormats(ajv);
  ajv.addVocabulary(OPENAPI_KEYWORDS);
  return ajv;
}
