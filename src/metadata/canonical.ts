/**
 * The canonical form of a metadata document: members in a fixed order and frozen, so every replica serializes
 * the same configuration to byte-identical bodies (and therefore the same ETag).
 */

/**
 * A frozen copy of `document` whose members come in `order` (the schema's property order), then any others
 * sorted by name. Nested arrays and objects are frozen too; their own order is the configuration's.
 */
export function canonicalMembers(document: Readonly<Record<string, unknown>>, order: readonly string[]): Readonly<Record<string, unknown>> {
  const names = [
    ...order.filter((name) => name in document),
    ...Object.keys(document)
      .filter((name) => !order.includes(name))
      .sort(),
  ];
  const result: Record<string, unknown> = {};
  for (const name of names) result[name] = deepFreeze(structuredClone(document[name]));
  return Object.freeze(result);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
