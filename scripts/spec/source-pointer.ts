/**
 * Maps a location in the dereferenced view of an OpenAPI document (where Optic reports a change, e.g.
 * `/paths/~1a/get/responses/200/content/application~1json/schema/properties/x`) to the place in the file that
 * defines it (e.g. `#/components/schemas/A/properties/x`), following the document's local `$ref`s.
 * JSON Pointer syntax: RFC 6901.
 */

/** Local `$ref`s followed in a row before giving up (a cycle of references). */
const MAX_REF_HOPS = 64;

function decode(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function encode(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isContainer(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function segmentsOf(pointer: string): string[] {
  const body = pointer.replace(/^#/, '');
  return body === '' ? [] : body.slice(1).split('/').map(decode);
}

/**
 * The RFC 6901 pointer (URI fragment form, `#/…`) of the node that defines `pointer` in `document`, or
 * undefined when the path does not exist there.
 */
export function sourcePointer(document: unknown, pointer: string): string | undefined {
  let node: unknown = document;
  let at: string[] = [];
  for (const segment of segmentsOf(pointer)) {
    for (let hops = 0; isContainer(node) && !Object.hasOwn(node, segment) && typeof node.$ref === 'string'; hops += 1) {
      if (!node.$ref.startsWith('#') || hops === MAX_REF_HOPS) return undefined;
      at = segmentsOf(node.$ref);
      node = at.reduce<unknown>((parent, key) => (isContainer(parent) ? parent[key] : undefined), document);
    }
    if (!isContainer(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
    at = [...at, segment];
  }
  return `#/${at.map(encode).join('/')}`;
}
