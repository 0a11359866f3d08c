/**
 * Combines the keys of every file into the published set: the accepted keys whose kid no other key shares (or
 * only keys identical to them), sorted by kid, plus one report per key and one refusal per problem for the log.
 * Its cost is linear in the number of keys (after sorting them): a refusal names a few of the keys sharing its
 * kid and counts the others, so a thousand copies of one kid cost a thousand short reports, not a million names.
 */
import { printable } from '../rules/finding.js';
import type { AcceptedKey, KeyEntry } from './key-file.js';
import type { IgnoredFile } from './key-names.js';
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
 * A problem to log once: a refused key, or a kid shared by several keys (one refusal naming their files, since it
 * is one problem; at most {@link NAMES_SHOWN} of them, the others counted in the reason).
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
  /** Entries left unread because of their names (`key-names.ts`), ordered by name. */
  readonly ignored: readonly IgnoredFile[];
}

/** Other keys or files a reason names at most; the rest are counted. */
const NAMES_SHOWN = 3;

/**
 * Builds the published set. Keys sharing a kid are all refused: a verifier that finds two keys for one kid
 * either picks one (and may reject valid tokens) or fails outright, as jose does
 * ({@link https://www.rfc-editor.org/rfc/rfc7517#section-4.5 | RFC 7517 §4.5}: kids are for choosing a key).
 * Except when they are the same key: a private key file and its public half under one kid publish one JWK, so
 * only keys whose published forms (`n`, `e`, `alg`, `use`) all agree count as one.
 */
export function buildKeySet(entries: readonly KeyEntry[], ignored: readonly IgnoredFile[] = []): KeySet {
  const ordered = [...entries].sort((a, b) => compare(a.file, b.file) || (a.index ?? -1) - (b.index ?? -1));
  const byKid = new Map<string, AcceptedKey[]>();
  for (const entry of ordered) {
    if (entry.status !== 'accepted') continue;
    const sharing = byKid.get(entry.kid);
    if (sharing === undefined) byKid.set(entry.kid, [entry]);
    else sharing.push(entry);
  }
  // Judged once per kid, not once per key sharing it.
  const oneKey = new Map([...byKid].map(([kid, sharing]) => [kid, allSameKey(sharing)]));
  const published: PublishedJwk[] = [];
  const refusals: KeyRefusal[] = [];
  const reports = ordered.map((entry): KeyFileReport => {
    const base = { file: entry.file, index: entry.index, kid: entry.kid, alg: entry.alg, bits: entry.bits };
    if (entry.status === 'refused') {
      refusals.push({ files: [entry.file], kid: entry.kid, reason: entry.reason });
      return { ...base, status: 'refused', reason: entry.reason };
    }
    const sharing = byKid.get(entry.kid) ?? [];
    if (oneKey.get(entry.kid) === true) {
      if (sharing[0] === entry) published.push(entry.jwk);
      return {
        ...base,
        status: 'published',
        reason: sharing.length === 1 ? undefined : `same key as ${others(sharing, entry)}: published once`,
      };
    }
    return {
      ...base,
      status: 'refused',
      reason: `duplicate kid "${entry.kid}" with different keys (also in ${others(sharing, entry)}): none is published`,
    };
  });
  for (const [kid, sharing] of byKid) {
    if (oneKey.get(kid) === true) continue;
    // The keys are in file order, so a file's keys are adjacent: distinct files, in one pass.
    const files = sharing.map((entry) => entry.file).filter((file, index, all) => index === 0 || all[index - 1] !== file);
    const more = files.length - NAMES_SHOWN;
    refusals.push({
      files: files.slice(0, NAMES_SHOWN),
      kid,
      reason: `duplicate kid with different keys${more > 0 ? ` (in ${files.length} files: ${more} more not named)` : ''}: none is published`,
    });
  }
  published.sort((a, b) => compare(a.kid, b.kid));
  return {
    jwks: deepFreeze({ keys: published.map((jwk) => ({ ...jwk })) }),
    reports: Object.freeze(reports),
    refusals: Object.freeze(refusals),
    ignored: Object.freeze([...ignored].sort((a, b) => compare(a.file, b.file))),
  };
}

/**
 * The keys of `sharing` other than `entry`, for a reason: at most {@link NAMES_SHOWN} named, then how many others.
 * Bounded whatever the number of keys sharing the kid.
 */
function others(sharing: readonly AcceptedKey[], entry: AcceptedKey): string {
  const named = sharing
    .slice(0, NAMES_SHOWN + 1)
    .filter((other) => other !== entry)
    .slice(0, NAMES_SHOWN)
    .map(keyLabel);
  const rest = sharing.length - 1 - named.length;
  return rest > 0 ? `${named.join(', ')} and ${rest} other${rest === 1 ? '' : 's'}` : named.join(', ');
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
