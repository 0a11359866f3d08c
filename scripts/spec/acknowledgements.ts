/**
 * Intended breaking changes, acknowledged in the committed file `openapi.breaking-changes.yaml`.
 *
 * An entry names one breaking change exactly as `npm run spec:check` reports it (rule, where, what) and the
 * base contract it breaks (the SHA-256 of that `openapi.json`), and says why the break is acceptable. It
 * excuses that change only while `openapi.json` is compared with that very base: once the change is merged, the
 * base moves on and the entry excuses nothing more, so it can neither hide a later break nor switch the check
 * off. Entries stay in the file as the record of intended breaks.
 */
import { format, resolveConfig } from 'prettier';
import { stringify } from 'yaml';
import type { BreakingChange } from './breaking-changes.js';
import { readReviewedList } from './reviewed-list.js';

/** The committed file, next to `openapi.json`. */
export const ACKNOWLEDGEMENTS_FILE = 'openapi.breaking-changes.yaml';

/** The key the entries are listed under. */
const LIST_KEY = 'acknowledged';

const FIELDS = ['base', 'rule', 'at', 'change', 'reason'] as const;

/** One acknowledged breaking change. */
export type Acknowledgement = Record<(typeof FIELDS)[number], string>;

/** How a base contract is named in an entry: `sha256:` and the hex digest of the file's bytes. */
export function baseId(digestHex: string): string {
  return `sha256:${digestHex}`;
}

/** Reads the acknowledgements (a malformed file is a `ReviewedListError`). */
export function readAcknowledgements(file: string): Acknowledgement[] {
  return readReviewedList(file, LIST_KEY, FIELDS);
}

function matches(entry: Acknowledgement, base: string, change: BreakingChange): boolean {
  return entry.base === base && entry.rule === change.rule && entry.at === change.at && entry.change === change.change;
}

/** The breaking changes split by whether an entry for `base` acknowledges them, and the entries for `base` that match none. */
export function applyAcknowledgements(
  entries: readonly Acknowledgement[],
  base: string,
  changes: readonly BreakingChange[],
): { readonly unacknowledged: BreakingChange[]; readonly acknowledged: BreakingChange[]; readonly unused: Acknowledgement[] } {
  return {
    unacknowledged: changes.filter((change) => !entries.some((entry) => matches(entry, base, change))),
    acknowledged: changes.filter((change) => entries.some((entry) => matches(entry, base, change))),
    unused: entries.filter((entry) => entry.base === base && !changes.some((change) => matches(entry, base, change))),
  };
}

/**
 * The YAML list items that would acknowledge `changes` against `base`, with the reason left for a person to
 * write, indented to go under `acknowledged:` in `file` and formatted by the project's formatter with its
 * configuration for that file, so that the entries pass `npm run format:check` as pasted.
 */
export async function acknowledgementTemplate(file: string, base: string, changes: readonly BreakingChange[]): Promise<string> {
  const items = changes.map((change) => ({ base, rule: change.rule, at: change.at, change: change.change, reason: '' }));
  const options = (await resolveConfig(file)) ?? {};
  const formatted = await format(stringify({ [LIST_KEY]: items }, { lineWidth: 0 }), { ...options, filepath: file });
  return formatted.slice(formatted.indexOf('\n') + 1);
}
