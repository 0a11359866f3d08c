/**
 * Reading a JSON object from a file, for every file an operator or the API team hands the service
 * (`openapi.json`, `METADATA_FILE`): one set of checks and one wording for each way such a file can be wrong.
 * The file is read through `readBoundedFileSync`, so a FIFO, a device or an oversized file is a problem naming
 * the file, never a hang or unbounded memory.
 */
import { readBoundedFileSync } from './bounded-file.js';
import { errorCode } from './errors.js';

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A file read as a JSON object, with its exact bytes, or the one problem that keeps it from being read. */
export type JsonObjectFile =
  | { readonly ok: true; readonly bytes: Buffer; readonly value: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads `file` as a JSON object. An unreadable, non-regular or oversized file (over 1 MiB),
 * invalid JSON or a non-object is a one-line problem naming the file, never an exception; `expected` completes
 * "it must hold a JSON object …" (e.g. "of OAuthMetadata members"). Invalid JSON is located by line and column
 * and never quoted (see {@link jsonSyntaxProblem}): `/etc/x/metadata.json: invalid JSON at line 3, column 14:
 * expected ',' or '}' after property value`.
 */
export function readJsonObjectFile(file: string, expected: string): JsonObjectFile {
  let bytes: Buffer;
  try {
    const read = readBoundedFileSync(file);
    if (!read.ok) return { ok: false, problem: `${file} ${read.reason}` };
    bytes = read.bytes;
  } catch (cause) {
    return { ok: false, problem: `cannot read ${file}: ${errorCode(cause) ?? String(cause)}` };
  }
  let parsed: unknown;
  // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse refuses.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return { ok: false, problem: `${file}: ${jsonSyntaxProblem(cause, text)}` };
  }
  if (!isJsonObject(parsed)) {
    const kind = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    return { ok: false, problem: `${file} holds ${kind}; it must hold a JSON object ${expected}` };
  }
  return { ok: true, bytes, value: parsed };
}

/**
 * Where and why `JSON.parse` refused `text`, as one line that quotes nothing of it (a configuration file may hold
 * secrets): `invalid JSON at line 3, column 14: expected ',' or '}' after property value`. Lines and columns count
 * from 1, columns in characters. `error` is what `JSON.parse` threw; `offset` is where the parsed part starts in
 * `text`, for JSON embedded in a larger file.
 *
 * V8 names the offending index (`… in JSON at position 41`, with ` (line 3 column 14)` after it since Node 22);
 * only that number is taken from the message, and the line and column are computed here. Some of its messages give
 * no position (`Unexpected end of JSON input`, and `Unexpected token …, "<the text around it>" is not valid
 * JSON`): the line says so, and keeps only the words before any quoted text.
 */
export function jsonSyntaxProblem(error: unknown, text: string, offset = 0): string {
  const message = error instanceof Error ? error.message : String(error);
  // Anchored at the very end: a message that quotes the text ends with "is not valid JSON", so the text (which may
  // hold line breaks) cannot fake a position.
  const at = / at position (\d+)(?: \([^()]*\))?$/.exec(message);
  if (at === null) return `invalid JSON (the parser reported no position)${reason(message.split(/['"]/)[0] ?? '')}`;
  const { line, column } = lineAndColumn(text, offset + Number(at[1]));
  const before = message.slice(0, at.index).replace(/ in JSON$/, '');
  return `invalid JSON at line ${line}, column ${column}${reason(before.includes('"') ? '' : before)}`;
}

/** `: <words>` (their first line) with a lower-case start, or nothing when no words are left. */
function reason(words: string): string {
  const trimmed = (words.split(/[\r\n]/)[0] ?? '').replace(/[\s,]+$/, '');
  return trimmed === '' ? '' : `: ${trimmed.charAt(0).toLowerCase()}${trimmed.slice(1)}`;
}

/** The 1-based line and column (in code points) of UTF-16 `index` in `text`; CRLF, LF and CR each end a line. */
function lineAndColumn(text: string, index: number): { line: number; column: number } {
  const end = Math.min(Math.max(index, 0), text.length);
  let line = 1;
  let column = 1;
  for (let i = 0; i < end; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x0a || (code === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line += 1;
      column = 1;
    } else if (code < 0xdc00 || code > 0xdfff) {
      // The low half of a surrogate pair belongs to the character its high half started.
      column += 1;
    }
  }
  return { line, column };
}
