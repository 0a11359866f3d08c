/**
 * Bounds on the shape of a JSON key file, checked in one linear pass before `JSON.parse`. The parse itself copes
 * with any input, but a value nested a million levels deep would overflow the stack of any recursive walk after
 * it (`JSON.stringify` among them), and a million objects would cost the parse and the garbage collector tens of
 * milliseconds on the event loop. A JWK nests three levels and a JWKS holds a handful of keys.
 */

/** The limits {@link jsonShapeProblem} applies. */
export interface JsonLimits {
  /** Arrays and objects nested inside one another. */
  readonly maxDepth: number;
  /** Arrays and objects in all. */
  readonly maxContainers: number;
}

/** Why `text` exceeds `limits`, or `undefined` when it does not (brackets inside strings do not count). */
export function jsonShapeProblem(text: string, limits: JsonLimits): string | undefined {
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // a backslash escapes the next character, a quote included
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      containers += 1;
      if (depth > limits.maxDepth) return `JSON nested deeper than ${limits.maxDepth} levels`;
      if (containers > limits.maxContainers) return `JSON of more than ${limits.maxContainers} objects and arrays`;
    } else if (code === 0x5d || code === 0x7d) {
      depth -= 1;
    }
  }
  return undefined;
}
