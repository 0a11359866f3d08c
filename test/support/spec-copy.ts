import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenApiDocument } from '../../src/contract/spec.js';
import { tempDir } from './keys.js';

/** The project's openapi.json, parsed afresh. */
export function specCopy(): OpenApiDocument {
  return JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as OpenApiDocument;
}

/** Writes a modified copy of openapi.json to a temporary file and returns its path. */
export function writeSpec(edit: (document: Record<string, any>) => void): string {
  const document = specCopy() as unknown as Record<string, any>;
  edit(document);
  const file = join(tempDir('wk-spec-'), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  return file;
}
