/**
 * Reading a JSON object from a file, for every file an operator or the API team hands the service
 * (`openapi.json`, `METADATA_FILE`): one set of checks and one wording for each way such a file can be wrong.
 * The file is read through `readBoundedFileSync`, so a FIFO, a device or an oversized file is a problem naming
 * the file, never a hang or unbounded memory.
 */
import { MAX_FILE_BYTES, readBoundedFileSync } from './bounded-file.js';

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A file read as a JSON object, with its exact bytes, or the one problem that keeps it from being read. */
export type JsonObjectFile =
  | { readonly ok: true; readonly bytes: Buffer; readonly value: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads `file` as a JSON object. An unreadable, non-regular or oversized file (over `maxBytes`, default 1 MiB),
 * invalid JSON or a non-object is a one-line problem naming the file, never an exception; `expected` completes
 * "it must hold a JSON object …" (e.g. "of OAuthMetadata members").
 */
export function readJsonObjectFile(file: string, expected: string, maxBytes: number = MAX_FILE_BYTES): JsonObjectFile {
  let bytes: Buffer;
  try {
    const read = readBoundedFileSync(file, maxBytes);
    if (!read.ok) return { ok: false, problem: `${file} ${read.reason}` };
    bytes = read.bytes;
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
