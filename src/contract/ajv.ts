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

/** An Ajv error, reduced to what {@link schemaProblems} reads. */
export interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string | undefined;
  readonly params: Record<string, unknown>;
}

/** One way a value fails its schema, naming where. */
export interface SchemaProblem {
  /**
   * {@link https://www.rfc-editor.org/rfc/rfc6901 | RFC 6901} JSON Pointer to the value involved, `''` for the
   * document itself. For a member the schema refuses (`additionalProperties`) or requires (`required`), the
   * pointer names that member, not the object holding it: `/registration_endpoint`, `/keys/0/n`.
   */
  readonly pointer: string;
  /** The member involved: the refused or missing property, else the last pointer segment, or `(document)`. */
  readonly member: string;
  /** Why, written to stand alone after the pointer: `must be string`, `is required by openapi.json`. */
  readonly message: string;
}

/** The unescaped segments of a JSON Pointer: `/a~1b/0` → `['a/b', '0']`; `[]` for `''`. */
export function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.split('/').slice(1).map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The structured form of Ajv errors, one {@link SchemaProblem} each. */
export function schemaProblems(errors: readonly SchemaError[] | null | undefined): SchemaProblem[] {
  return (errors ?? []).map((error) => {
    const extra = error.params.additionalProperty;
    if (error.keyword === 'additionalProperties' && typeof extra === 'string') {
      return memberProblem(error.instancePath, extra, 'is not allowed by openapi.json (additionalProperties: false)');
    }
    const missing = error.params.missingProperty;
    if (error.keyword === 'required' && typeof missing === 'string') return memberProblem(error.instancePath, missing, 'is required by openapi.json');
    const pointer = error.instancePath;
    return { pointer, member: pointerSegments(pointer).at(-1) ?? DOCUMENT, message: error.message ?? error.keyword };
  });
}

/**
 * One readable line per problem, naming the member involved: `/registration_endpoint: is not allowed by
 * openapi.json (additionalProperties: false)`, `/keys/0/n: must be string`, `(document): must be object`.
 */
export function formatSchemaProblem(problem: SchemaProblem): string {
  return `${problem.pointer === '' ? DOCUMENT : problem.pointer}: ${problem.message}`;
}

/** {@link formatSchemaProblem} of every Ajv error. */
export function formatSchemaErrors(errors: readonly SchemaError[] | null | undefined): string[] {
  return schemaProblems(errors).map(formatSchemaProblem);
}

/** How a problem of the whole document names where it is. */
const DOCUMENT = '(document)';

function memberProblem(parent: string, member: string, message: string): SchemaProblem {
  return { pointer: `${parent}/${member.replaceAll('~', '~0').replaceAll('/', '~1')}`, member, message };
}
