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
