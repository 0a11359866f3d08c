/**
 * Merges OpenAPI 3.1 documents exported upstream (one per endpoint) into the project's `openapi.json`.
 *
 * Usage: `npx tsx scripts/merge-upstream.ts <export.json | seed.txt>... [--out openapi.json]`
 *
 * A seed text may hold several documents in fenced ```json blocks. Documents are merged member by member:
 * paths, tags and components are united, and a member defined twice with different content is a conflict
 * that stops the merge (naming the member) instead of silently picking one side. Nothing is written unless
 * every input is read and merged.
 *
 * Exit codes: 0 written, 1 an input cannot be read, is not JSON or not an object, or conflicts; 2 usage error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { defineCommand, EXIT, isEntryModule, runAsProcess } from '../src/cli/command.js';
import { CommandError, UsageError } from '../src/errors.js';
import { jsonSyntaxProblem } from '../src/json-file.js';

const USAGE = `usage: npx tsx scripts/merge-upstream.ts <export.json | seed.txt>... [--out <file>]

  <export.json>  an OpenAPI document exported upstream
  <seed.txt>     a text holding such documents in fenced \`\`\`json blocks
  --out <file>   where to write the merged document (default openapi.json)
  -h, --help     show this text`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FENCE_OPEN = '```json';
const FENCE_CLOSE = '\n```';

/** Where each fenced ```json block's content starts and ends in `text`; none when the text has no such block. */
function fencedBlocks(text: string): Array<{ start: number; end: number }> {
  // indexOf rather than a lazy regular expression: linear however many fences a text opens without closing.
  const blocks: Array<{ start: number; end: number }> = [];
  for (let open = text.indexOf(FENCE_OPEN); open !== -1; open = text.indexOf(FENCE_OPEN, open + 1)) {
    const lineEnd = text.indexOf('\n', open);
    if (lineEnd === -1 || text.slice(open + FENCE_OPEN.length, lineEnd).trim() !== '') continue;
    const close = text.indexOf(FENCE_CLOSE, lineEnd);
    if (close === -1) break;
    blocks.push({ start: lineEnd + 1, end: close });
    open = close + FENCE_CLOSE.length - 1;
  }
  return blocks;
}

function documentsIn(file: string): JsonObject[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CommandError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  const fenced = fencedBlocks(text);
  const blocks = fenced.length > 0 ? fenced : [{ start: 0, end: text.length }];
  return blocks.map(({ start, end }, index) => {
    const which = fenced.length > 0 ? `${file}: document ${index + 1}` : file;
    let parsed: Json;
    try {
      parsed = JSON.parse(text.slice(start, end)) as Json;
    } catch (error) {
      throw new CommandError(`${which}: ${jsonSyntaxProblem(error, text, start)}`, { cause: error });
    }
    if (!isObject(parsed)) throw new CommandError(`${which} is not a JSON object`);
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
      throw new CommandError(`conflict at ${where}: the documents define it differently`);
    }
  }
}

/** `merge-upstream`, as `runCommand` runs it. */
export const mergeUpstreamCommand = defineCommand({
  name: 'merge-upstream',
  usage: USAGE,
  options: { out: { type: 'string', default: 'openapi.json' } },
  positionals: true,
  run: ({ values, positionals }, io) => {
    if (positionals.length === 0) throw new UsageError('no input file given');
    if (values.out === '') throw new UsageError('--out needs a file name');
    const merged: JsonObject = {};
    for (const file of positionals) for (const document of documentsIn(file)) unite(merged, document, '#');
    writeFileSync(values.out, `${JSON.stringify(merged, null, 2)}\n`);
    io.out(`wrote ${values.out} from ${positionals.length} file(s)`);
    return EXIT.ok;
  },
});

if (isEntryModule(import.meta.url)) await runAsProcess(mergeUpstreamCommand);
