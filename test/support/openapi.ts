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

/**
 * Validates a response body against the schema documented for (path, method, status), falling back to
 * `default`. Returns Ajv's errors, or null when valid. Throws when the contract documents no JSON body for it.
 */
export function contractErrors(path: string, method: string, status: number, body: unknown): unknown[] | null {
  const responses = openapi.paths[path]?.[method]?.responses ?? {};
  const key = String(status) in responses ? String(status) : 'default';
  let response = responses[key];
  let ref = `openapi.json#/${pointer('paths', path, method, 'responses', key)}`;
  if (response !== undefined && typeof response.$ref === 'string') {
    ref = `openapi.json${response.$ref}`;
    const name = response.$ref.split('/').pop() ?? '';
    response = (openapi.components.responses as Record<string, Json>)[name];
  }
  const content = response?.content as Record<string, unknown> | undefined;
  if (content?.['application/json'] === undefined) throw new Error(`openapi.json documents no JSON body for ${method} ${path} ${status}`);
  const validate =
    ajv.getSchema(`${ref}/content/application~1json/schema`) ?? ajv.compile({ $ref: `${ref}/content/application~1json/schema` });
  return validate(body) ? null : (validate.errors ?? []);
}

/** Validates against a component schema of openapi.json. */
export function componentErrors(name: string, body: unknown): unknown[] | null {
  const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
  return validate(body) ? null : (validate.errors ?? []);
}

/** Whether the contract documents a response for (path, method, status) explicitly. */
export function documents(path: string, method: string, status: number): boolean {
  return String(status) in (openapi.paths[path]?.[method]?.responses ?? {});
}
