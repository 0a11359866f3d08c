/**
 * Loading `openapi.json`, the single source of truth for both endpoints, and naming its operations.
 *
 * The document is used exactly as upstream exports it. Nothing here rewrites the file: the working copy that
 * openapi-backend receives only gains the derived operation ids it needs to key its validators.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIV3_1 } from 'openapi-types';
import { SpecError } from '../errors.js';
import { readJsonObjectFile } from '../json-file.js';
import { OPERATION_METHODS, operationIdOf, type OperationMethod } from './operation-id.js';

/** An OpenAPI 3.1 document. */
export type OpenApiDocument = OpenAPIV3_1.Document;

/** One operation of the document, named as every layer names it (see `operation-id.ts`). */
export interface OperationRef {
  readonly id: string;
  readonly method: OperationMethod;
  readonly path: string;
  /** Whether the document itself carries the `operationId`. */
  readonly explicitId: boolean;
}

/**
 * The directory holding `package.json` and `openapi.json`, found by walking up from this module, so that the
 * sources (`src/contract/`), the bundle (`dist/`) and a container image (`/app/dist/`) all find the same file.
 */
export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'openapi.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new SpecError(`no openapi.json found in ${from} or any parent directory`);
    dir = parent;
  }
}

/** Path of the project's `openapi.json`. */
export function defaultSpecPath(): string {
  return join(projectRoot(), 'openapi.json');
}

/** An OpenAPI document with the exact bytes it was read from. */
export interface SpecFile {
  readonly bytes: Buffer;
  readonly document: OpenApiDocument;
}

/** Reads an OpenAPI document; an unreadable file, invalid JSON or a non-object is a {@link SpecError} naming the file. */
export function loadSpecFile(file: string = defaultSpecPath()): SpecFile {
  const read = readJsonObjectFile(file, 'holding an OpenAPI document');
  if (!read.ok) throw new SpecError(read.problem);
  return { bytes: read.bytes, document: read.value as OpenApiDocument };
}

/** Reads an OpenAPI document (see {@link loadSpecFile}). */
export function readSpec(file: string = defaultSpecPath()): OpenApiDocument {
  return loadSpecFile(file).document;
}

/** SHA-256 (hex) of a spec file's bytes: what ties the build's compiled contract to one exact document. */
export function specDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every operation of the document, in document order. */
export function listOperations(document: OpenApiDocument): OperationRef[] {
  const operations: OperationRef[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (item === undefined) continue;
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const id = operationIdOf(method, path, operation);
      operations.push({ id, method, path, explicitId: id === operation.operationId });
    }
  }
  return operations;
}

/**
 * A deep copy of the document in which every operation has an `operationId` (explicit or derived), as
 * openapi-backend's validators require. Two operations with the same id are a {@link SpecError}.
 */
export function withOperationIds(document: OpenApiDocument): OpenApiDocument {
  const copy = structuredClone(document);
  const seen = new Map<string, string>();
  for (const ref of listOperations(copy)) {
    const where = `${ref.method.toUpperCase()} ${ref.path}`;
    const previous = seen.get(ref.id);
    if (previous !== undefined) throw new SpecError(`operations ${previous} and ${where} share the id "${ref.id}"`);
    seen.set(ref.id, where);
    const operation = copy.paths?.[ref.path]?.[ref.method];
    if (operation !== undefined) operation.operationId = ref.id;
  }
  return copy;
}
