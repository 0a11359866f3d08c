/**
 * An independent reading of openapi.json for the black-box suites: schemas are compiled straight from the
 * document with Ajv 2020 (not through the server's contract layer), so a bug there cannot hide itself.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, unknown>;

/** openapi.json as a plain object. */
export const openapi = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, Json> }>>;
  components: Json;
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(openapi, 'openapi.json');

const pointer = (...parts: string[]): string => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** The methods each path defines. */
export function operationsOf(): Array<{ path: string; method: string }> {
  return Object.entries(openapi.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ path, method })));
}

/** The keys of a Responses Object that apply to `status`, most specific first (OpenAPI 3.1 §4.8.16). */
const keysFor = (status: number): string[] => [String(status), `${String(status).charAt(0)}XX`, 'default'];

/** The response object declared at `key` for (path, method), a `$ref` to `components.responses` followed. */
function declared(path: string, method: string, key: string): { response: Json | undefined; ref: string } {
  let response = openapi.paths[path]?.[method]?.responses[key];
  let ref = `openapi.json#/${pointer('paths', path, method, 'responses', key)}`;
  if (response !== undefined && typeof response.$ref === 'string') {
    ref = `openapi.json${response.$ref}`;
    const name = response.$ref.split('/').pop() ?? '';
    response = (openapi.components.responses as Record<string, Json>)[name];
  }
  return { response, ref };
}

/** A JSON media type: `application/json`, or any `application/…+json` (RFC 6839 §3.1), such as RFC 7517's `jwk-set+json`. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

/** The JSON media type of the body of the response declared at `key` for (path, method), if it declares one. */
function jsonMediaType(path: string, method: string, key: string): string | undefined {
  const content = declared(path, method, key).response?.content as Record<string, unknown> | undefined;
  return Object.keys(content ?? {}).find((type) => JSON_MEDIA_TYPE.test(type));
}

/** Whether the response declared at `key` for (path, method) has a JSON body. */
function hasJsonBody(path: string, method: string, key: string): boolean {
  return jsonMediaType(path, method, key) !== undefined;
}

/** Ajv's errors of `body` against the JSON body of the response declared at `key`, or null when valid. */
function declaredErrors(path: string, method: string, key: string, body: unknown): unknown[] | null {
  const mediaType = jsonMediaType(path, method, key);
  if (mediaType === undefined) throw new Error(`openapi.json documents no JSON body for ${method} ${path} ${key}`);
  const schema = `${declared(path, method, key).ref}/${pointer('content', mediaType, 'schema')}`;
  const validate = ajv.getSchema(schema) ?? ajv.compile({ $ref: schema });
  return validate(body) ? null : (validate.errors ?? []);
}

/** The media type openapi.json declares for the 200 body of (path, method): the `Content-Type` it is served with. */
export function successMediaType(path: string, method: string): string {
  const mediaType = jsonMediaType(path, method, '200');
  if (mediaType === undefined) throw new Error(`openapi.json documents no JSON body for ${method} ${path} 200`);
  return mediaType;
}

/**
 * Validates a response body against the schema documented for (path, method, status): the status, else its
 * class, else `default`. Returns Ajv's errors, or null when valid. Throws when the contract documents no JSON
 * body for it.
 */
export function contractErrors(path: string, method: string, status: number, body: unknown): unknown[] | null {
  const responses = openapi.paths[path]?.[method]?.responses ?? {};
  return declaredErrors(path, method, keysFor(status).find((key) => key in responses) ?? 'default', body);
}

/** Validates against a component schema of openapi.json. */
export function componentErrors(name: string, body: unknown): unknown[] | null {
  const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
  return validate(body) ? null : (validate.errors ?? []);
}

/**
 * How an error answer relates to the operations of its path: `routed` to the operation (path, method),
 * `method-not-allowed` on a path of the contract, or `unrouted` (an unknown path, or refused before routing).
 */
export type ErrorAnswer = 'routed' | 'method-not-allowed' | 'unrouted';

/**
 * Validates an error answer against what the contract declares for it (the README's "HTTP behaviour"): a routed
 * error follows the operation's response for the status (status, class, `default`); a 405 follows a `405` or
 * `4XX` the operation declares, never its `default`; anything else, a declaration without a JSON body, or none,
 * is an `ApiErrorResponse`. Returns Ajv's errors, or null when valid.
 */
export function errorAnswerErrors(kind: ErrorAnswer, path: string, method: string, status: number, body: unknown): unknown[] | null {
  const responses = openapi.paths[path]?.[method]?.responses ?? {};
  const keys = kind === 'routed' ? keysFor(status) : kind === 'method-not-allowed' ? keysFor(status).slice(0, 2) : [];
  const key = keys.find((candidate) => candidate in responses);
  return key !== undefined && hasJsonBody(path, method, key)
    ? declaredErrors(path, method, key, body)
    : componentErrors('ApiErrorResponse', body);
}

/** A component schema of openapi.json, as the document has it. */
function schemaOf(name: string): { required?: unknown; properties?: Record<string, Json> } {
  return (openapi.components.schemas as Record<string, Json>)[name] ?? {};
}

/** The members component schema `name` requires and types as an array, read straight from openapi.json. */
export function requiredArrayMembersOf(name: string): string[] {
  const { required, properties = {} } = schemaOf(name);
  return (Array.isArray(required) ? required : []).filter((member: unknown): member is string => {
    const type = typeof member === 'string' ? properties[member]?.type : undefined;
    return type === 'array' || (Array.isArray(type) && type.includes('array'));
  });
}

/** One member `OAuthMetadata` of openapi.json requires as an array (RFC 8414 §2's lists): the rule for those applies to it. */
export function aRequiredArrayMember(): string {
  const [member] = requiredArrayMembersOf('OAuthMetadata');
  if (member === undefined) throw new Error('OAuthMetadata of openapi.json requires no array member, which this test needs');
  return member;
}

/**
 * URL members of RFC 8414 §2 this project's contract may not define, in the order tests try them: the first that
 * `OAuthMetadata` of openapi.json does not define is one `METADATA_FILE` may not set, until the contract adds it.
 */
const RFC8414_URL_MEMBERS = ['registration_endpoint', 'introspection_endpoint', 'op_policy_uri', 'op_tos_uri'];

/** An RFC 8414 member named as a URL (`*_endpoint`, `*_uri`) that `OAuthMetadata` of openapi.json does not define. */
export function undefinedMetadataUrlMember(): string {
  const defined = Object.keys(schemaOf('OAuthMetadata').properties ?? {});
  const member = RFC8414_URL_MEMBERS.find((name) => !defined.includes(name));
  if (member === undefined) throw new Error(`OAuthMetadata of openapi.json defines every URL member of RFC 8414 the tests know`);
  return member;
}

/** The path of the operation whose 200 body is a JWKS (`components.schemas.JWKS`), whatever its media type. */
export function jwksPath(): string {
  const found = Object.entries(openapi.paths).find(([, item]) => {
    const content = (item.get?.responses['200']?.content ?? {}) as Record<string, { schema?: { $ref?: string } }>;
    return Object.values(content).some((media) => media.schema?.$ref === '#/components/schemas/JWKS');
  });
  if (found === undefined) throw new Error('openapi.json has no GET answering 200 with a JWKS');
  return found[0];
}
