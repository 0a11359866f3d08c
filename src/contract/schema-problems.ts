/**
 * Schema validation problems in a form every consumer can use without parsing text: the JSON pointer of the
 * offending value, the member named, and a message. Shared by the contract (rejected builds, configuration
 * problems) and the rules (`src/rules/schema.ts`), so a problem is described once.
 */

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
  return pointer === ''
    ? []
    : pointer
        .split('/')
        .slice(1)
        .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The JSON Pointer of `segments`, escaped (RFC 6901 §3): `['paths', '/a~b']` → `/paths/~1a~0b`; `''` for none. */
export function toPointer(segments: readonly string[]): string {
  return segments.map((segment) => `/${segment.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The structured form of Ajv errors, one {@link SchemaProblem} each. */
export function schemaProblems(errors: readonly SchemaError[] | null | undefined): SchemaProblem[] {
  return (errors ?? []).map((error) => {
    const extra = error.params.additionalProperty;
    if (error.keyword === 'additionalProperties' && typeof extra === 'string') {
      return memberProblem(error.instancePath, extra, 'is not allowed by openapi.json (additionalProperties: false)');
    }
    const missing = error.params.missingProperty;
    if (error.keyword === 'required' && typeof missing === 'string')
      return memberProblem(error.instancePath, missing, 'is required by openapi.json');
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

/** How a problem of the whole document names where it is. */
const DOCUMENT = '(document)';

function memberProblem(parent: string, member: string, message: string): SchemaProblem {
  return { pointer: `${parent}${toPointer([member])}`, member, message };
}
