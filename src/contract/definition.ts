/**
 * The structural check of `openapi.json` against OpenAPI 3.1 (https://spec.openapis.org/oas/v3.1.0), used in
 * place of openapi-backend's check, which only knows the 3.0 meta-schema and rejects 3.1 type arrays. Schema
 * objects themselves are checked by `schema-check.ts`. Every problem names its JSON pointer in the document.
 */
import { OPERATION_METHODS } from './operation-id.js';
import { toPointer } from './schema-problems.js';
import { SpecError } from '../errors.js';
import { isJsonObject } from '../json-file.js';

const RESPONSE_KEY = /^(?:[1-5](?:XX|\d\d)|default)$/;

/** A problem line: `#/paths/~1x/get/responses: must list at least one response`. */
const at = (segments: readonly string[], message: string): string => `#${toPointer(segments)}: ${message}`;

/** Lists every structural problem of an OpenAPI 3.1 document; empty when there is none. */
function definitionProblems(document: unknown): string[] {
  const problems: string[] = [];
  if (!isJsonObject(document)) return [at([], 'the document is not a JSON object')];
  if (typeof document.openapi !== 'string' || !/^3\.1\.\d+(?:-.+)?$/.test(document.openapi)) {
    problems.push(at(['openapi'], `must be a 3.1.x version string, found ${JSON.stringify(document.openapi)}`));
  }
  const info = document.info;
  if (!isJsonObject(info) || typeof info.title !== 'string' || typeof info.version !== 'string') {
    problems.push(at(['info'], 'must be an object with string title and version'));
  }
  if (!isJsonObject(document.paths)) {
    problems.push(at(['paths'], 'must be an object'));
    return problems;
  }
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/')) problems.push(at(['paths', path], 'a path must start with /'));
    if (!isJsonObject(item)) {
      problems.push(at(['paths', path], 'must be a Path Item object'));
      continue;
    }
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const where = ['paths', path, method];
      if (!isJsonObject(operation)) {
        problems.push(at(where, 'must be an Operation object'));
        continue;
      }
      if (operation.operationId !== undefined && typeof operation.operationId !== 'string') {
        problems.push(at([...where, 'operationId'], 'must be a string'));
      }
      if (!isJsonObject(operation.responses) || Object.keys(operation.responses).length === 0) {
        problems.push(at([...where, 'responses'], 'must list at least one response'));
        continue;
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!RESPONSE_KEY.test(status)) problems.push(at([...where, 'responses', status], 'is not a status code, nXX or default'));
        if (!isJsonObject(response)) problems.push(at([...where, 'responses', status], 'must be a Response or Reference object'));
      }
    }
  }
  if (document.components !== undefined && !isJsonObject(document.components)) problems.push(at(['components'], 'must be an object'));
  return problems;
}

/** Throws a {@link SpecError} listing every problem, one per line, when the document is not valid OpenAPI 3.1. */
export function assertOpenApi31(document: unknown): void {
  const problems = definitionProblems(document);
  if (problems.length > 0) throw new SpecError(problems.map((problem) => `openapi.json${problem}`).join('\n'));
}
