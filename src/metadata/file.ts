/** Reading `METADATA_FILE`: a JSON object of OAuthMetadata members that replace the derived defaults. */
import { readJsonObjectFile } from '../json-file.js';

/** The members the file sets, or the one problem that keeps it from being read. */
export type MetadataFile =
  | { readonly ok: true; readonly members: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problem: string };

/** Reads and parses `file`. An unreadable file, invalid JSON or a non-object is a problem, not an exception. */
export function readMetadataFile(file: string): MetadataFile {
  const read = readJsonObjectFile(file, 'of OAuthMetadata members');
  return read.ok ? { ok: true, members: read.value } : read;
}
