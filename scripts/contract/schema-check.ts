/**
 * What the validator compiler cannot honour in `openapi.json`, each named by its JSON pointer in the document:
 * a keyword or a `format` it does not know (strict mode would refuse it, or a lax one would silently validate
 * nothing), a `$ref` that does not resolve, and a schema the JSON Schema 2020-12 meta-schema refuses. The
 * document's schema objects are walked here, so the pointer comes from the walk, never from an error message.
 *
 * @see https://spec.openapis.org/oas/v3.1.0#schema-object
 */
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { pointerSegments, toPointer } from '../../src/contract/schema-problems.js';
import { isJsonObject } from '../../src/json-file.js';

/** Keywords whose value is an object of subschemas (JSON Schema 2020-12 §10.3.2, §8.2.4). */
const SCHEMA_MAPS = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'];
/** Keywords whose value is a list of subschemas (§10.2.1, §10.3.1.1). */
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
/** Keywords whose value is one subschema (§10, §11, draft 2020-12 Validation §8.5). */
const SCHEMA_VALUES = [
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
];
/** Members of non-schema objects that hold example data, not schemas. */
const DATA_MEMBERS = new Set(['example', 'examples', 'default']);

type Segments = readonly string[];

/** One problem line: `#/components/schemas/JWK/properties/n/format: unknown format "urlx"`. */
const at = (segments: Segments, message: string): string => `#${toPointer(segments)}: ${message}`;

/** The value at `pointer` (a local `$ref` without its `#`) in `document`, or `undefined`. */
function resolve(document: unknown, pointer: string): unknown {
  let value = document;
  for (const segment of pointerSegments(pointer)) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Checks every schema object of `document` against what `ajv` knows; one line per problem. */
export function schemaCheckProblems(document: Readonly<Record<string, unknown>>, ajv: Ajv2020): string[] {
  const problems: string[] = [];

  const walkSchema = (schema: unknown, segments: Segments): void => {
    if (!isJsonObject(schema)) return;
    for (const [keyword, value] of Object.entries(schema)) {
      const where = [...segments, keyword];
      if (ajv.RULES.keywords[keyword] !== true) problems.push(at(where, `unknown keyword "${keyword}"`));
      if (keyword === 'format' && typeof value === 'string' && ajv.formats[value] === undefined) {
        problems.push(at(where, `unknown format "${value}" (known: ${Object.keys(ajv.formats).join(', ')})`));
      }
      if (keyword === '$ref' && typeof value === 'string') {
        if (!value.startsWith('#')) problems.push(at(where, `$ref "${value}" is not a reference inside openapi.json`));
        else if (resolve(document, value.slice(1)) === undefined) problems.push(at(where, `$ref "${value}" does not resolve`));
      }
      if (SCHEMA_MAPS.includes(keyword) && isJsonObject(value)) {
        for (const [name, subschema] of Object.entries(value)) walkSchema(subschema, [...where, name]);
      } else if (SCHEMA_LISTS.includes(keyword) && Array.isArray(value)) {
        value.forEach((subschema, index) => walkSchema(subschema, [...where, String(index)]));
      } else if (SCHEMA_VALUES.includes(keyword)) {
        walkSchema(value, where);
      }
    }
  };

  const checkRoot = (schema: unknown, segments: Segments): void => {
    const before = problems.length;
    walkSchema(schema, segments);
    if (problems.length > before || typeof schema === 'boolean') return;
    if (ajv.validateSchema(schema as object) === true) return;
    // The deepest error is the specific one; the others are the anyOf branches around it.
    const errors = [...(ajv.errors ?? [])].sort((a, b) => b.instancePath.length - a.instancePath.length);
    const first = errors[0];
    if (first !== undefined) {
      problems.push(at([...segments, ...pointerSegments(first.instancePath)], `${first.message ?? first.keyword} (JSON Schema 2020-12)`));
    }
  };

  // Outside schemas: every `schema` member (media types, parameters, headers) and components.schemas start one.
  const walkDocument = (value: unknown, segments: Segments): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walkDocument(item, [...segments, String(index)]));
      return;
    }
    if (!isJsonObject(value)) return;
    for (const [member, child] of Object.entries(value)) {
      const where = [...segments, member];
      if (DATA_MEMBERS.has(member) || member.startsWith('x-')) continue;
      if (member === 'schema') checkRoot(child, where);
      else if (segments.length === 2 && segments[0] === 'components' && segments[1] === 'schemas') checkRoot(child, where);
      else walkDocument(child, where);
    }
  };
  walkDocument(document, []);
  return problems;
}
