/**
 * The vocabulary every rule speaks. A rule is a pure function over a document that returns {@link Finding}s: an
 * empty list means the document satisfies it. The server's startup validation and `npm run verify` call the same
 * functions, so a rule is written once and both agree on what is valid.
 */

/** A rule as it is named in findings, boot errors and verify reports. */
export interface Rule {
  /** Stable id, e.g. `rfc8414.issuer-https`; tests and CI scripts match on it. */
  readonly id: string;
  /** What the rule requires, as one clause (used as the evidence of a PASS). */
  readonly summary: string;
  /** The section of the RFC (or other source) the rule comes from. */
  readonly reference: string;
}

/** One way a document breaks a rule. */
export interface Finding {
  /** The {@link Rule.id} broken. */
  readonly rule: string;
  /** The member involved, e.g. `jwks_uri` or `keys[0].d`, when there is one. */
  readonly member?: string;
  /** Why, with the offending value; written to stand alone after `member: `. */
  readonly message: string;
}

/** Builds a finding; `member` is left out (not `undefined`) when absent, so findings compare and serialize cleanly. */
export function finding(rule: Rule, message: string, member?: string): Finding {
  return member === undefined ? { rule: rule.id, message } : { rule: rule.id, member, message };
}

/** `member: message`, or the message alone. */
export function describeFinding(found: Finding): string {
  return found.member === undefined ? found.message : `${found.member}: ${found.message}`;
}

/** The URL of `section` of RFC `number` on rfc-editor.org, e.g. `rfc(8414, '3.3')`. */
export function rfc(number: number, section: string): string {
  return `https://www.rfc-editor.org/rfc/rfc${number}#section-${section}`;
}

/** Longest part of a string value a finding quotes; the rest is summarised by its length. */
const QUOTE_MAX_CHARACTERS = 128;

/**
 * `text` safe to print on a terminal or in one log line: every character outside printable ASCII (0x20–0x7E), and
 * the backslash, is written as a JSON-style escape (`\n`, `\u001b`), and a text longer than 128 characters is cut,
 * its length noted. Names and values found in key files are shown this way, so a `kid` or file name holding CR,
 * LF or ANSI escapes can neither forge log lines nor repaint a terminal.
 */
export function printable(text: string): string {
  return escapeCut(text, '');
}

/**
 * How a finding names an offending value: a string in double quotes, escaped and cut as by {@link printable}; a
 * number, boolean or null as written; anything else by its kind only (`an array`, `an object`), never serialized,
 * because such a value may be megabytes long or nested deeper than `JSON.stringify` can recurse.
 */
export function quote(value: unknown): string {
  if (typeof value === 'string') return escapeCut(value, '"');
  if (value === undefined) return 'missing';
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function escapeCut(text: string, delimiter: '' | '"'): string {
  const cut = text.length > QUOTE_MAX_CHARACTERS;
  let out = delimiter;
  for (let index = 0; index < Math.min(text.length, QUOTE_MAX_CHARACTERS); index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x5c || (delimiter !== '' && code === 0x22)) out += `\\${text[index]}`;
    else if (code >= 0x20 && code <= 0x7e) out += text[index];
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0d) out += '\\r';
    else if (code === 0x09) out += '\\t';
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return cut ? `${out}${delimiter}… (${text.length} characters)` : `${out}${delimiter}`;
}
