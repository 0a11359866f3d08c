/**
 * The public half of published keys, for `keys export-public`: what to hand the service when the private keys
 * stay with the signer. A public JWK (or a JWKS of several) carries kid, alg and use, exactly as published; an
 * SPKI PEM carries only the key, so its kid comes from the file name and its alg from `KEYS_DEFAULT_ALG`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-4 | RFC 7517 §4} (JWK)
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.7 | RFC 5280 §4.1.2.7} (SubjectPublicKeyInfo)
 */
import { createPublicKey } from 'node:crypto';
import { KeyInvalidError } from '../errors.js';
import { quote } from '../rules/finding.js';
import type { KeySet } from './key-set.js';
import type { PublishedJwk } from './public-jwk.js';

/** Output formats of `export-public`. */
export const EXPORT_FORMATS = ['jwk', 'pem'] as const;
/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What was exported. */
export interface PublicExport {
  /** The file content, ending in a newline. */
  readonly text: string;
  readonly keys: readonly PublishedJwk[];
}

/**
 * The public half of the published key `kid` of `set`, or of every published key when `kid` is `undefined`.
 * `jwk` gives one public JWK, or a JWKS `{"keys":[…]}` for several; `pem` gives one SPKI PEM. Throws a
 * {@link KeyInvalidError} when the kid is not published (naming why, when it is refused), when nothing is, or
 * when a PEM is asked of several keys.
 */
export function exportPublic(set: KeySet, kid: string | undefined, format: ExportFormat): PublicExport {
  const published = set.jwks.keys;
  const kids = published.map((key) => key.kid).join(', ') || 'none';
  const keys = kid === undefined ? published : published.filter((key) => key.kid === kid);
  if (keys.length === 0 && kid !== undefined) {
    const refused = set.reports.find((report) => report.kid === kid && report.status === 'refused');
    throw new KeyInvalidError(
      refused === undefined
        ? `no key with kid ${quote(kid)} (published: ${kids})`
        : `kid ${quote(kid)} is refused: ${refused.reason ?? ''}`,
    );
  }
  const [first, ...others] = keys;
  if (first === undefined) throw new KeyInvalidError('no key is published');
  if (format === 'jwk') {
    const value = others.length === 0 ? first : { keys };
    return { text: `${JSON.stringify(value, null, 2)}\n`, keys };
  }
  if (others.length > 0) throw new KeyInvalidError(`a PEM holds one key; pass --kid (published: ${kids}), or use --format jwk`);
  const pem = createPublicKey({ key: { kty: first.kty, n: first.n, e: first.e }, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return { text: pem, keys };
}
