/**
 * Reads the committed, reviewed lists of the contract checks (the lint baseline, the acknowledged breaking
 * changes): a YAML file whose one top-level key holds a list of entries, each a mapping of exactly the given
 * fields to non-empty strings. A missing file is an empty list; anything else malformed is a
 * {@link ReviewedListError} naming the file, the entry and the field.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseDocument } from 'yaml';

/** A reviewed list is malformed; the message names the file, the entry and the field. */
export class ReviewedListError extends Error {
  override readonly name = 'ReviewedListError';
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ReviewedListError(`${basename(file)}: cannot be read: ${(error as Error).message}`);
  }
}

/** The entries of `file`'s `key` list, each with exactly `fields`, in file order. */
export function readReviewedList<Field extends string>(file: string, key: string, fields: readonly Field[]): Array<Record<Field, string>> {
  const text = readText(file);
  if (text === undefined) return [];
  const name = basename(file);
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new ReviewedListError(`${name}: invalid YAML: ${document.errors[0]?.message.split('\n')[0] ?? ''}`);
  const root: unknown = document.toJS();
  if (typeof root !== 'object' || root === null || Array.isArray(root))
    throw new ReviewedListError(`${name}: must be a mapping with the key "${key}"`);
  const unknownKeys = Object.keys(root).filter((found) => found !== key);
  if (unknownKeys.length > 0) throw new ReviewedListError(`${name}: unknown key "${unknownKeys[0]}"; the only key is "${key}"`);
  const list: unknown = (root as Record<string, unknown>)[key] ?? [];
  if (!Array.isArray(list)) throw new ReviewedListError(`${name}: ${key}: must be a list`);
  return list.map((entry: unknown, index) => {
    const where = `${name}: ${key}[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new ReviewedListError(`${where}: must be a mapping of ${fields.join(', ')}`);
    const record = entry as Record<string, unknown>;
    const extra = Object.keys(record).find((field) => !(fields as readonly string[]).includes(field));
    if (extra !== undefined) throw new ReviewedListError(`${where}: unknown field "${extra}"; the fields are ${fields.join(', ')}`);
    for (const field of fields) {
      const value = record[field];
      if (typeof value !== 'string' || value.trim() === '')
        throw new ReviewedListError(`${where}.${field}: is required, a non-empty string`);
    }
    return record as Record<Field, string>;
  });
}
