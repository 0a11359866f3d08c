/**
 * The run-time tier of operations, and openapi-backend with it, is a chunk of its own in the bundle that
 * `npm run build` writes (the suite's global set-up builds `dist/`): the server imports it only when the contract
 * has an operation that is not a document, so with today's contract `npm start` never reads it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN } from '../support/process.js';

/** The files `file` imports statically (`import … from "./…"`, as esbuild writes them), transitively. */
function staticallyImported(file: string, seen = new Set<string>()): Set<string> {
  seen.add(file);
  for (const [, target = ''] of readFileSync(file, 'utf8').matchAll(/\bfrom\s*"(\.[^"]+)"/g)) {
    const path = join(dirname(file), target);
    if (!seen.has(path)) staticallyImported(path, seen);
  }
  return seen;
}

describe('the bundle', () => {
  it('imports the run-time tier of operations only on demand', () => {
    const main = readFileSync(MAIN, 'utf8');
    const [, chunk] = /\bimport\("(\.\/chunks\/operations-[^"]+\.js)"\)/.exec(main) ?? [];
    expect(chunk).toBeDefined();
    const loaded = staticallyImported(MAIN);
    expect(loaded.has(join(dirname(MAIN), chunk ?? ''))).toBe(false);
    // openapi-backend's own text (its security notice) and raw-body's error types are in that chunk only.
    const text = (file: string) => readFileSync(file, 'utf8');
    for (const file of loaded) {
      expect(text(file)).not.toContain('openapistack/openapi-backend');
      expect(text(file)).not.toContain('entity.too.large');
    }
    expect(text(join(dirname(MAIN), chunk ?? ''))).toContain('openapistack/openapi-backend');
  });
});
