/**
 * Bridges from `openapi.json` to the rules: schema problems as findings, and the facts rules derive from a
 * component schema (its property order, the members it requires as arrays). Deriving them here, instead of
 * listing members in code, is what lets a member added to `openapi.json` be served with no code change.
 */
import { pointerSegments, type SchemaProblem } from '../contract/schema-problems.js';
import { finding, type Finding, type Rule } from './finding.js';
import { isJsonObject } from '../json-file.js';

/** The contract rule: a body validates against its schema in `openapi.json`. */
export const SCHEMA_RULE = {
  id: 'contract.schema',
  summary: 'the body validates against its schema in openapi.json',
  reference: 'https://spec.openapis.org/oas/v3.1.0#schema-object',
} as const satisfies Rule;

/** `/keys/0/d` → `keys[0].d`: the member notation findings use. */
function memberOfPointer(pointer: string): string {
  return pointerSegments(pointer).reduce(
    (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path === '' ? segment : `${path}.${segment}`),
    '',
  );
}

/**
 * The problems `Contract.componentIssues` / `responseIssues` return, as findings of {@link SCHEMA_RULE} naming the
 * member by its path (`keys[0].n`); a problem of the whole document names none.
 */
export function schemaFindings(problems: readonly SchemaProblem[]): Finding[] {
  return problems.map((problem) =>
    finding(SCHEMA_RULE, problem.message, problem.pointer === '' ? undefined : memberOfPointer(problem.pointer)),
  );
}

/** The names of `schema.properties`, in document order. */
export function schemaPropertyNames(schema: Readonly<Record<string, unknown>>): string[] {
  return isJsonObject(schema.properties) ? Object.keys(schema.properties) : [];
}

/** Members `schema` both requires and types as an array: the ones RFC 8414 lists that must not be empty. */
export function requiredArrayMembers(schema: Readonly<Record<string, unknown>>): string[] {
  const required = Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : [];
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  return required.filter((name) => {
    const property = properties[name];
    if (!isJsonObject(property)) return false;
    const type = property.type;
    return type === 'array' || (Array.isArray(type) && type.includes('array'));
  });
}
