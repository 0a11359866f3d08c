/**
 * What shape each operation of `openapi.json` has, and what of it the server cannot honour. Two kinds, decided
 * here once and recorded in `generated/`:
 *
 * - a **document**: a GET with no parameters and no request body whose `200` has a JSON body, and no other
 *   success status. Its answer does not depend on the request, so it is built once per change of its data and
 *   served prebuilt, with a strong ETag, `304` (where declared) and HEAD (`src/documents/`, `src/http/front.ts`);
 * - an **operation**: everything else. openapi-backend matches and validates its requests at run time, its
 *   handler receives the validated inputs and returns a status and a body (`src/http/operations.ts`).
 *
 * Refused, one line each naming its JSON pointer: a media type that is not JSON (`application/json` or any
 * `+json` type, RFC 6839 §3.1), or more than one per response or request body (the server sends and reads JSON
 * only, without content negotiation); cookie parameters (the service sets and reads no cookies); parameters
 * declared with `content` rather than a schema, or with a serialization style openapi-backend does not parse;
 * header parameters that are not strings (openapi-backend coerces path and query parameters only); a path
 * template whose names are not declared path parameters; HEAD, OPTIONS and TRACE operations (the server answers
 * HEAD as GET and OPTIONS as the CORS preflight, RFC 9110 §9.3.2, §9.3.7; TRACE is never served); an operation
 * without an explicit success status.
 *
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { CompiledOperation, OperationKind } from '../../src/contract/contract.js';
import type { OperationMethod } from '../../src/contract/operation-id.js';
import { toPointer } from '../../src/contract/schema-problems.js';
import { isJsonObject } from '../../src/json-file.js';

/** `application/json` (RFC 8259 §11), or any type with the `+json` structured syntax suffix (RFC 6839 §3.1). */
const JSON_MEDIA_TYPE = /^(?:application\/json|[a-z0-9][a-z0-9!#$&^_.-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*\+json)$/i;

/** Serialization styles openapi-backend parses, by parameter location (OpenAPI 3.1 §4.8.12.4). */
const STYLES: Readonly<Record<string, readonly string[]>> = {
  path: ['simple'],
  query: ['form', 'spaceDelimited', 'pipeDelimited', 'deepObject'],
  header: ['simple'],
};

/** Names in a path template as openapi-backend's path matcher (`bath-es5`) reads them. */
const TEMPLATE_NAME = /^[A-Za-z0-9_-]+$/;

/** A success status: the answer a handler returns (RFC 9110 §15.3). */
const SUCCESS_STATUS = /^2\d\d$/;

/** An operation as openapi-backend dereferenced it, with the path-level parameters merged in. */
export type DereferencedOperation = OpenAPIV3_1.OperationObject & { readonly path: string; readonly method: string };

/** What the compiler records of an operation besides its responses' validators. */
export type OperationShape = Pick<CompiledOperation, 'kind' | 'mediaTypes' | 'requestBody'>;

/** The single JSON media type of a `content` map, or a problem. */
function jsonMediaType(content: unknown, where: readonly string[]): { mediaType: string; schema: unknown } | string {
  const entries = isJsonObject(content) ? Object.entries(content) : [];
  if (entries.length !== 1) {
    return `#${toPointer([...where, 'content'])}: declares ${entries.length} media types; the server sends and reads exactly one, a JSON one`;
  }
  const [mediaType, media] = entries[0] as [string, unknown];
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    return `#${toPointer([...where, 'content', mediaType])}: ${mediaType} is not a JSON media type (application/json or a +json type); the server sends and reads JSON only`;
  }
  // A media type without a schema allows any JSON (OpenAPI 3.1 §4.8.14).
  return { mediaType, schema: isJsonObject(media) && media.schema !== undefined ? media.schema : {} };
}

/** Whether a dereferenced parameter schema is a string. */
function isStringSchema(schema: unknown): boolean {
  return isJsonObject(schema) && schema.type === 'string';
}

/**
 * The shape of `operation` (declared at `paths[path][method]`) and the schema of each response body to compile;
 * `problems` lists what refuses it.
 */
export function operationShape(
  operation: DereferencedOperation,
  method: OperationMethod,
): { shape: OperationShape; responseSchemas: Record<string, unknown>; problems: string[] } {
  const where = ['paths', operation.path, method];
  const problems: string[] = [];
  if (method === 'head' || method === 'options' || method === 'trace') {
    problems.push(
      `#${toPointer(where)}: the server answers ${method.toUpperCase()} itself (HEAD as GET, OPTIONS as the CORS preflight, TRACE never); declare a GET or another method`,
    );
  }

  const parameters = (operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[];
  for (const parameter of parameters) {
    // The operation's parameters include its path's (openapi-backend merges them): named, not indexed.
    const at = `#${toPointer(where)}: ${parameter.in} parameter ${JSON.stringify(parameter.name)}`;
    if (parameter.in === 'cookie') problems.push(`${at}: cookie parameters are not supported; the service reads no cookies`);
    else if (parameter.content !== undefined) problems.push(`${at}: declares content; declare the parameter with a schema`);
    else if (parameter.style !== undefined && !(STYLES[parameter.in] ?? []).includes(parameter.style)) {
      problems.push(`${at}: style ${parameter.style} is not supported here (supported: ${(STYLES[parameter.in] ?? []).join(', ')})`);
    } else if (parameter.in === 'header' && !isStringSchema(parameter.schema)) {
      problems.push(`${at}: a header parameter must have type: string; handlers receive header values as they arrive`);
    }
  }
  const declaredPath = new Set(parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name));
  for (const [, name = ''] of operation.path.matchAll(/\{([^}]*)\}/g)) {
    if (!TEMPLATE_NAME.test(name) || !declaredPath.has(name)) {
      problems.push(
        `#${toPointer(where)}: the path template names {${name}}, which is not a declared path parameter of letters, digits, _ or -`,
      );
    }
  }

  let requestBody: OperationShape['requestBody'] = null;
  const declaredBody = operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
  if (declaredBody !== undefined) {
    const media = jsonMediaType(declaredBody.content, [...where, 'requestBody']);
    if (typeof media === 'string') problems.push(media);
    else requestBody = { mediaType: media.mediaType, required: declaredBody.required === true };
  }

  const mediaTypes: Record<string, string> = {};
  const responseSchemas: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const content = (response as OpenAPIV3_1.ResponseObject).content;
    if (content === undefined) continue;
    const media = jsonMediaType(content, [...where, 'responses', status]);
    if (typeof media === 'string') {
      problems.push(media);
      continue;
    }
    mediaTypes[status] = media.mediaType;
    responseSchemas[status] = media.schema;
  }

  const successes = Object.keys(operation.responses ?? {}).filter((status) => SUCCESS_STATUS.test(status));
  if (successes.length === 0) {
    problems.push(
      `#${toPointer([...where, 'responses'])}: declares no success status (200-299, written out) for the handler to answer with`,
    );
  }
  const document =
    method === 'get' && parameters.length === 0 && declaredBody === undefined && successes.length === 1 && mediaTypes['200'] !== undefined;
  const kind: OperationKind = document ? 'document' : 'operation';
  return { shape: { kind, mediaTypes, requestBody }, responseSchemas, problems };
}
