/**
 * Combines the keys of every file into the published set: the accepted keys whose kid no other key shares (or
 * only keys identical to them), sorted by kid, plus one report per key and one refusal per problem for the log.
 */
import { printable } from '../rules/finding.js';
import type { AcceptedKey, KeyEntry } from './key-file.js';
import type { Jwks, PublishedJwk } from './public-jwk.js';

/** One key of one file as `list`, `check` and `KeyStore.files` show it. */
export interface KeyFileReport {
  /** File name, relative to the keys directory. */
  readonly file: string;
  /** Position in a JWKS file's `keys`; `undefined` for single-key files. */
  readonly index: number | undefined;
  readonly kid: string | undefined;
  readonly alg: string | undefined;
  readonly bits: number | undefined;
  readonly status: 'published' | 'refused';
  /** Why the key is refused; for a published key, a note (the same key is also in another file) or `undefined`. */
  readonly reason: string | undefined;
}

/**
 * A problem to log once: a refused key, or a kid shared by several keys (one refusal naming all their files,
 * since it is one problem).
 */
export interface KeyRefusal {
  readonly files: readonly string[];
  readonly kid: string | undefined;
  readonly reason: string;
}

/** The outcome of one scan of the keys directory. */
export interface KeySet {
  /** Frozen, keys in kid order with fixed member order, so equal sets serialize to equal bytes. */
  readonly jwks: Jwks;
  /** Ordered by file, then index. */
  readonly reports: readonly KeyFileReport[];
  readonly refusals: readonly KeyRefusal[];
}

/**
 * Builds the published set. Keys sharing a kid are all refused: a verifier that finds two keys for one kid
 * either picks one (and may reject valid tokens) or fails outright, as jose does
 * ({@link https://www.rfc-editor.org/rfc/rfc7517#section-4.5 | RFC 7517 §4.5}: kids are for choosing a key).
 * Except when they are the same key: a private key file and its public half under one kid publish one JWK, so
 * only keys whose published forms (`n`, `e`, `alg`, `use`) all agree count as one.
 */
export function buildKeySet(entries: readonly KeyEntry[]): KeySet {
  const ordered = [...entries].sort((a, b) => compare(a.file, b.file) || (a.index ?? -1) - (b.index ?? -1));
  const byKid = new Map<string, AcceptedKey[]>();
  for (const entry of ordered) {
    if (entry.status !== 'accepted') continue;
    byKid.set(entry.kid, [...(byKid.get(entry.kid) ?? []), entry]);
  }
  const published: PublishedJwk[] = [];
  const refusals: KeyRefusal[] = [];
  const reports = ordered.map((entry): KeyFileReport => {
    const base = { file: entry.file, index: entry.index, kid: entry.kid, alg: entry.alg, bits: entry.bits };
    if (entry.status === 'refused') {
      refusals.push({ files: [entry.file], kid: entry.kid, reason: entry.reason });
      return { ...base, status: 'refused', reason: entry.reason };
    }
    const sharing = byKid.get(entry.kid) ?? [];
    const others = sharing.filter((other) => other !== entry).map(keyLabel);
    if (allSameKey(sharing)) {
      if (sharing[0] === entry) published.push(entry.jwk);
      return { ...base, status: 'published', reason: others.length === 0 ? undefined : `same key as ${others.join(', ')}: published once` };
    }
    return {
      ...base,
      status: 'refused',
      reason: `duplicate kid "${entry.kid}" with different keys (also in ${others.join(', ')}): none is published`,
    };
  });
  for (const [kid, sharing] of byKid) {
    if (!allSameKey(sharing))
      refusals.push({
        files: [...new Set(sharing.map((entry) => entry.file))],
        kid,
        reason: 'duplicate kid with different keys: none is published',
      });
  }
  published.sort((a, b) => compare(a.kid, b.kid));
  return {
    jwks: deepFreeze({ keys: published.map((jwk) => ({ ...jwk })) }),
    reports: Object.freeze(reports),
    refusals: Object.freeze(refusals),
  };
}

/** The canonical bytes of a set: equal sets give equal strings, which is how a change is detected. */
export function serializeJwks(jwks: Jwks): string {
  return JSON.stringify(jwks);
}

/** `file` or `file#index` (a key of a JWKS file), naming one key; printable (see `printable`). */
export function keyLabel(entry: { readonly file: string; readonly index: number | undefined }): string {
  const file = printable(entry.file);
  return entry.index === undefined ? file : `${file}#${entry.index}`;
}

/** Whether every key would publish the same JWK (same `n`, `e`, `alg` and `use`): one key, stated in several files. */
function allSameKey(keys: readonly AcceptedKey[]): boolean {
  const first = keys[0]?.jwk;
  return (
    first === undefined || keys.every(({ jwk }) => jwk.n === first.n && jwk.e === first.e && jwk.alg === first.alg && jwk.use === first.use)
  );
}

/** Code-unit order: unlike localeCompare it is the same on every host, which byte-identical replicas need. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function deepFreeze(jwks: Jwks): Jwks {
  for (const key of jwks.keys) Object.freeze(key);
  Object.freeze(jwks.keys);
  return Object.freeze(jwks);
}
