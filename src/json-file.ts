/**
 * Reading a JSON object from a file, for every file an operator or the API team hands the service
 * (`openapi.json`, `METADATA_FILE`): one set of checks and one wording for each way such a file can be wrong.
 */
import { readFileSync } from 'node:fs';

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A file read as a JSON object, with its exact bytes, or the one problem that keeps it from being read. */
export type JsonObjectFile =
  | { readonly ok: true; readonly bytes: Buffer; readonly value: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads `file` as a JSON object. An unreadable file, invalid JSON or a non-object is a problem naming the file,
 * never an exception; `expected` completes "it must hold a JSON object …" (e.g. "of OAuthMetadata members").
 */
export function readJsonObjectFile(file: string, expected: string): JsonObjectFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    return { ok: false, problem: `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}` };
  }
  let parsed: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse refuses.
    parsed = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (cause) {
    return { ok: false, problem: `${file} is not valid JSON: ${(cause as Error).message}` };
  }
  if (!isJsonObject(parsed)) {
    const kind = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    return { ok: false, problem: `${file} holds ${kind}; it must hold a JSON object ${expected}` };
  }
  return { ok: true, bytes, value: parsed };
}
