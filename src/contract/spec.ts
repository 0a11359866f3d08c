/**
 * Finding and reading `openapi.json`, the single source of truth for both endpoints, and its digest, which ties the
 * compiled contract (`generated/contract.js`) to the exact bytes it was compiled from. The document is used exactly
 * as upstream exports it; nothing here rewrites the file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIV3_1 } from 'openapi-types';
import { SpecError } from '../errors.js';
import { readJsonObjectFile } from '../json-file.js';

/** An OpenAPI 3.1 document. */
export type OpenApiDocument = OpenAPIV3_1.Document;

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

/** SHA-256 (hex) of a spec file's bytes: what ties the compiled contract to one exact document. */
export function specDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
