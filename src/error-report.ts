/**
 * How an error is shown to the people who run the service: an expected condition (a {@link ServiceError}, such as no
 * usable key) by its code and message alone, since its message already says what is wrong; anything else, a bug, with
 * its stack, whose positions in the bundle (`dist/main.js:79:19130`) are mapped back to the sources
 * (`src/keys/key-store.ts:139:47`) with the bundle's source map.
 *
 * The map is read only when a stack is first shown. Node's own `--enable-source-maps` (or
 * `process.setSourceMapsEnabled()`, which only applies to modules loaded after it) parses the map of the 1.5 MB
 * bundle at every start, measured +20 ms CPU of the ~110 ms to the first answer; an unexpected stack is rare and can
 * afford it once. Run from the sources (tsx, tests), stacks already name them and are left as they are.
 *
 * @see https://nodejs.org/api/module.html#class-modulesourcemap
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stdSerializers } from 'pino';
import { ServiceError } from './errors.js';

/** This module's URL: in the build, the bundle's own (`file:///…/dist/main.js`), whose map is beside it. */
const BUNDLE_URL = import.meta.url;

/** A bundle position as the stack frames of an ES module write it: `<bundle URL>:<line>:<column>`. */
const BUNDLE_POSITION = new RegExp(`${BUNDLE_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g');

/** The bundle's source map: `undefined` until first needed, `null` when there is none (run from the sources). */
let sourceMap: { readonly map: SourceMap; readonly dir: string } | null | undefined;

function bundleSourceMap(): { readonly map: SourceMap; readonly dir: string } | null {
  if (sourceMap !== undefined) return sourceMap;
  sourceMap = null;
  if (!BUNDLE_URL.startsWith('file:') || !BUNDLE_URL.endsWith('.js')) return sourceMap;
  const file = `${fileURLToPath(BUNDLE_URL)}.map`;
  try {
    sourceMap = {
      map: new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]),
      dir: dirname(file),
    };
  } catch {
    // No map beside the bundle (copied without it): the stack stays as it is, still a stack.
  }
  return sourceMap;
}

/** `stack` (an `Error.stack`) with every bundle position replaced by the source file, line and column it came from. */
export function sourceMappedStack(stack: string): string {
  if (!stack.includes(BUNDLE_URL)) return stack;
  const found = bundleSourceMap();
  if (found === null) return stack;
  return stack.replace(BUNDLE_POSITION, (position, line: string, column: string) => {
    const origin = found.map.findOrigin(Number(line), Number(column));
    if (!('fileName' in origin)) return position;
    return `${resolve(found.dir, origin.fileName)}:${origin.lineNumber}:${origin.columnNumber}`;
  });
}

/**
 * pino's serializer of the `err` member of a log line: a {@link ServiceError} as its code and message, and the
 * message of its cause (a system error behind a refused listen, say), without stacks; anything else as pino
 * serializes it, with {@link sourceMappedStack}. (The code, not the class name: the bundle minifies class names.)
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (error instanceof ServiceError) {
    const cause = error.cause instanceof Error ? { cause: error.cause.message } : {};
    return { code: error.code, message: error.message, ...cause };
  }
  if (!(error instanceof Error)) return { message: String(error) };
  const serialized = stdSerializers.err(error);
  return { ...serialized, stack: sourceMappedStack(serialized.stack) };
}
