/**
 * The rule on a key's `kid`. RFC 7517 §4.5 leaves its form to the application; this service allows 1 to 256
 * printable ASCII characters, 0x21 (`!`) to 0x7E (`~`): no space, no control character (CR, LF, ESC), nothing
 * outside ASCII. Such a kid reads the same in a log line, a terminal, a shell command and a JWT header, and two
 * kids that look alike are alike. Every kid seen in practice (names, dates, base64url thumbprints,
 * RFC 7638) fits.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4.5
 */
import { finding, quote, rfc, type Finding, type Rule } from './finding.js';

/** Longest kid allowed. */
const MAX_KID_LENGTH = 256;

/** The kid rule. */
export const KID_RULE = {
  id: 'rfc7517.kid-printable',
  summary: `every kid is 1 to ${MAX_KID_LENGTH} printable ASCII characters (0x21–0x7E: no space or control character)`,
  reference: rfc(7517, '4.5'),
} as const satisfies Rule;

/** Whether `kid` satisfies the {@link KID_RULE}. */
export function isValidKid(kid: unknown): kid is string {
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) return false;
  for (let index = 0; index < kid.length; index += 1) {
    const code = kid.charCodeAt(index);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/** The finding of a present `kid` that breaks the {@link KID_RULE} (a missing kid is no concern of this rule). */
export function kidFindings(kid: unknown, member: string): Finding[] {
  if (kid === undefined || isValidKid(kid)) return [];
  return [finding(KID_RULE, `is ${quote(kid)}; must be 1 to ${MAX_KID_LENGTH} printable ASCII characters, 0x21–0x7E`, member)];
}
