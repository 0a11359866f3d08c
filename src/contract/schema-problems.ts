/**
 * Schema validation problems in a form every consumer can use without parsing text: the JSON pointer of the
 * offending value (which names the member) and a message. Shared by the contract (rejected builds, configuration
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
      return {
        pointer: `${error.instancePath}${toPointer([extra])}`,
        message: 'is not allowed by openapi.json (additionalProperties: false)',
      };
    }
    const missing = error.params.missingProperty;
    if (error.keyword === 'required' && typeof missing === 'string')
      return { pointer: `${error.instancePath}${toPointer([missing])}`, message: 'is required by openapi.json' };
    return { pointer: error.instancePath, message: error.message ?? error.keyword };
  });
}

/**
 * One readable line per problem, naming the member involved: `/registration_endpoint: is not allowed by
 * openapi.json (additionalProperties: false)`, `/keys/0/n: must be string`, `(document): must be object`.
 */
export function formatSchemaProblem(problem: SchemaProblem): string {
  return `${problem.pointer === '' ? '(document)' : problem.pointer}: ${problem.message}`;
}
