/**
 * Finding the blocks of a PEM file (RFC 7468 §2: `-----BEGIN label-----` … `-----END label-----`) in time linear
 * in the file's size, whatever it holds. No regular expression runs over the content: a back-referencing one
 * (`BEGIN (X) … END \1`) is quadratic on a file of repeated BEGIN lines, which froze the process for seconds per
 * scan. Each forward search starts where the previous one of its kind ended, and the one backward search runs
 * from an END to the BEGIN nearest before it, once per END, so every character is examined a bounded number of
 * times.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7468#section-2
 */

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
/** Longest label read; real ones (`ENCRYPTED PRIVATE KEY`, `X509 CRL`) are far shorter. */
const MAX_LABEL_LENGTH = 64;

/** One complete block. */
export interface PemBlock {
  /** The label, e.g. `PRIVATE KEY`. */
  readonly label: string;
  /** What lies between the BEGIN and END lines (headers and base64). */
  readonly body: string;
}

/** Whether `text` has a PEM BEGIN marker, i.e. is meant as a PEM file. */
export function looksLikePem(text: string): boolean {
  return text.includes(BEGIN);
}

/**
 * The complete blocks of `text`, in order. A BEGIN line whose label is malformed, a block another BEGIN
 * interrupts before its END, and an END whose label does not match are skipped, as OpenSSL's PEM reader would
 * not accept them either.
 */
export function* pemBlocks(text: string): Generator<PemBlock> {
  const next = nextOccurrence(text);
  let cursor = 0;
  for (;;) {
    const begin = next(BEGIN, cursor);
    if (begin === -1) return;
    const labelStart = begin + BEGIN.length;
    const label = labelAt(text, labelStart);
    if (label === undefined) {
      cursor = labelStart;
      continue;
    }
    const bodyStart = labelStart + label.length + DASHES.length;
    const end = next(END, bodyStart);
    // With no END left, no later block can be complete either.
    if (end === -1) return;
    const interrupting = next(BEGIN, bodyStart);
    if (interrupting !== -1 && interrupting < end) {
      // Every BEGIN before this END but the last is interrupted too: go straight to the last one.
      cursor = text.lastIndexOf(BEGIN, end);
      continue;
    }
    const closing = `${END}${label}${DASHES}`;
    if (!text.startsWith(closing, end)) {
      cursor = end + END.length;
      continue;
    }
    yield { label, body: text.slice(bodyStart, end) };
    cursor = end + closing.length;
  }
}

/**
 * The label starting at `start` and closed by five dashes: 1 to {@link MAX_LABEL_LENGTH} characters of
 * `A–Z`, `0–9` and space. `undefined` otherwise.
 */
function labelAt(text: string, start: number): string | undefined {
  const limit = Math.min(text.length, start + MAX_LABEL_LENGTH + 1);
  for (let index = start; index < limit; index += 1) {
    const code = text.charCodeAt(index);
    const isLabelCharacter = (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x20;
    if (isLabelCharacter) continue;
    return index > start && text.startsWith(DASHES, index) ? text.slice(start, index) : undefined;
  }
  return undefined;
}

/**
 * `indexOf` with memory: for each marker, the last position found is kept and reused while the cursor has not
 * passed it. Cursors only move forward, so each marker's searches cover disjoint stretches of `text`: linear in
 * total, even when one END is looked for from thousands of BEGIN lines.
 */
function nextOccurrence(text: string): (marker: string, from: number) => number {
  const found = new Map<string, number>();
  return (marker, from) => {
    const known = found.get(marker);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    const position = text.indexOf(marker, from);
    found.set(marker, position);
    return position;
  };
}
