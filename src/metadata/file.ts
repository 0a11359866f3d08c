/** Reading `METADATA_FILE`: a JSON object of OAuthMetadata members that replace the derived defaults. */
import { readFileSync } from 'node:fs';
import { isRecord } from '../rules/finding.js';

/** The members the file sets, or the one problem that keeps it from being read. */
export type MetadataFile =
  | { readonly ok: true; readonly members: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problem: string };

/** Reads and parses `file`. An unreadable file, invalid JSON or a non-object is a problem, not an exception. */
export function readMetadataFile(file: string): MetadataFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    return { ok: false, problem: `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}` };
  }
  let parsed: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse refuses.
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    return { ok: false, problem: `${file} is not valid JSON: ${(cause as Error).message}` };
  }
  if (!isRecord(parsed)) {
    const kind = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    return { ok: false, problem: `${file} holds ${kind}; it must hold a JSON object of OAuthMetadata members` };
  }
  return { ok: true, members: parsed };
}
