/**
 * The one Ajv configuration of the service: JSON Schema draft 2020-12 (the dialect of OpenAPI 3.1, §4.8.24)
 * with `ajv-formats`, so that type arrays, `{}` schemas and `format` (e.g. `uri`) are enforced as written.
 */
import { Ajv2020, type Options } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** OpenAPI's own format names (OpenAPI 3.1 §4.2): numeric ranges are checked, the rest are annotations. */
const OPENAPI_FORMATS = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  float: { type: 'number', validate: () => true },
  double: { type: 'number', validate: () => true },
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  binary: true,
  password: true,
} as const;

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

/**
 * Creates an Ajv 2020 instance. Unknown keywords and unknown formats are compile errors (strict schema mode),
 * so a typo in `openapi.json` stops the boot instead of silently validating nothing.
 */
export function createAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ ...AJV_OPTIONS, ...options });
  addFormats(ajv);
  for (const [name, format] of Object.entries(OPENAPI_FORMATS)) ajv.addFormat(name, format);
  ajv.addVocabulary(OPENAPI_KEYWORDS);
  return ajv;
}
