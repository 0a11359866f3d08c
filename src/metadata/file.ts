/** Reading `METADATA_FILE`: a JSON object of OAuthMetadata members that replace the derived defaults. */
import { readJsonObjectFile } from '../json-file.js';

/** The members the file sets, or the one problem that keeps it from being read. */
export type MetadataFile =
  { readonly ok: true; readonly members: Readonly<Record<string, unknown>> } | { readonly ok: false; readonly problem: string };

/**
 * Reads and parses `file`: a regular file of at most 1 MiB, opened non-blocking and checked on its descriptor,
 * so a FIFO or a device can never hang the boot. An unreadable, non-regular or oversized file, invalid JSON or a
 * non-object is a problem, not an exception; the caller prefixes it with `METADATA_FILE:`.
 */
export function readMetadataFile(file: string): MetadataFile {
  const read = readJsonObjectFile(file, 'of OAuthMetadata members');
  return read.ok ? { ok: true, members: read.value } : read;
}
