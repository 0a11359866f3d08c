/**
 * Merges OpenAPI 3.1 documents exported upstream (one per endpoint) into the project's `openapi.json`.
 *
 * Usage: `npx tsx scripts/merge-upstream.ts <export.json | seed.txt>... [--out openapi.json]`
 *
 * A seed text may hold several documents in fenced ```json blocks. Documents are merged member by member:
 * paths, tags and components are united, and a member defined twice with different content is a conflict
 * that stops the merge (naming the member) instead of silently picking one side.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function documentsIn(file: string): JsonObject[] {
  const text = readFileSync(file, 'utf8');
  const fenced = [...text.matchAll(/```json\s*\n([\s\S]*?)\n```/g)].map((match) => match[1] ?? '');
  const sources = fenced.length > 0 ? fenced : [text];
  return sources.map((source, index) => {
    const parsed = JSON.parse(source) as Json;
    if (!isObject(parsed)) throw new Error(`${file}: document ${index + 1} is not a JSON object`);
    return parsed;
  });
}

/** Unites `incoming` into `target`; identical members merge, different ones are a conflict. */
function unite(target: JsonObject, incoming: JsonObject, at: string): void {
  for (const [key, value] of Object.entries(incoming)) {
    const existing = target[key];
    const where = `${at}/${key}`;
    if (existing === undefined) {
      target[key] = structuredClone(value);
    } else if (isObject(existing) && isObject(value)) {
      unite(existing, value, where);
    } else if (key === 'tags' && Array.isArray(existing) && Array.isArray(value)) {
      for (const tag of value) if (!existing.some((seen) => isDeepStrictEqual(seen, tag))) existing.push(tag);
    } else if (!isDeepStrictEqual(existing, value)) {
      throw new Error(`conflict at ${where}: the documents define it differently`);
    }
  }
}

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : 'openapi.json';
if (args.length === 0 || out === undefined) {
  console.error('usage: tsx scripts/merge-upstream.ts <export.json | seed.txt>... [--out openapi.json]');
  process.exit(2);
}
const merged: JsonObject = {};
for (const file of args) for (const document of documentsIn(file)) unite(merged, document, '#');
writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
console.log(`wrote ${out} from ${args.length} file(s)`);
