/**
 * Rules on a served JSON Web Key Set: at least one key, distinct printable `kid`s, valid RSA public keys (the
 * rules of `rsa-key.ts`), every key for signatures with an algorithm this service allows, and no private key
 * material. They read a document as served (any JSON), so a malformed one yields findings, never an exception;
 * its shape is the schema's job.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.1
 */
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../config.js';
import { isJsonObject } from '../json-file.js';
import { finding, quote, rfc, type Finding, type Rule } from './finding.js';
import { KID_RULE, kidFindings } from './kid.js';
import {
  examineModulusSync,
  RSA_KEY_RULES,
  rsaKeyFindings,
  withModulusExamined,
  type ModulusExamination,
  type ModulusVerdict,
} from './rsa-key.js';

/** The key set rules, by short name. */
export const JWKS_RULES = {
  keysPresent: { id: 'rfc7517.keys-present', summary: 'the set holds at least one key', reference: rfc(7517, '5') },
  kidUnique: { id: 'rfc7517.kid-unique', summary: 'every key has a kid no other key has', reference: rfc(7517, '4.5') },
  kidPrintable: KID_RULE,
  useSig: { id: 'rfc7517.use-sig', summary: 'every key has use "sig"', reference: rfc(7517, '4.2') },
  algAllowed: {
    id: 'rfc8725.alg-allowed',
    summary: `every key names an allowed alg (${KEY_ALGORITHMS.join(', ')})`,
    reference: rfc(8725, '3.1'),
  },
  ktyRsa: { id: 'rfc7518.kty-rsa', summary: 'every key is an RSA key, as its alg requires', reference: rfc(7518, '6.1') },
  rsaKeySize: RSA_KEY_RULES.size,
  rsaExponent: RSA_KEY_RULES.exponent,
  rsaModulus: RSA_KEY_RULES.modulus,
  noPrivateMembers: {
    id: 'rfc7517.no-private-members',
    summary: 'no key carries private key members (d, p, q, dp, dq, qi, oth, k)',
    reference: rfc(7518, '6.3.2'),
  },
} as const satisfies Record<string, Rule>;

/** Private RSA members (RFC 7518 §6.3.2) and the symmetric key value (§6.4.1): never in a published set. */
const PRIVATE_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Whether `value` is one of the {@link KEY_ALGORITHMS} (RFC 7518 §3.1 RS256…PS512): the algorithms a key may be
 * pinned to ({@link https://www.rfc-editor.org/rfc/rfc8725#section-3.1 | RFC 8725 §3.1}).
 */
export function isKeyAlgorithm(value: unknown): value is KeyAlgorithm {
  return KEY_ALGORITHMS.some((alg) => alg === value);
}

/** Every way the key set `jwks` breaks the {@link JWKS_RULES}; empty when it is a valid set to publish. */
export function jwksFindings(jwks: unknown): Finding[] {
  const keys = isJsonObject(jwks) && Array.isArray(jwks.keys) ? jwks.keys : [];
  if (keys.length === 0) return [finding(JWKS_RULES.keysPresent, 'the key set holds no key; clients could not verify any token', 'keys')];
  return [...keys.flatMap((key: unknown, index) => jwkFindings(key, `keys[${index}]`)), ...duplicateKidFindings(keys)];
}

/**
 * Every way one key breaks the per-key {@link JWKS_RULES} (kid-printable, use-sig, alg-allowed, kty-rsa, the RSA
 * key rules, no-private-members); empty when it may be published. `member` is where the key stands, e.g.
 * `keys[0]`, and prefixes the members of the findings (`keys[0].alg`); `''` for a lone key (`alg`). The key store
 * runs this on the JWK it would publish (through {@link jwkFindingsAsync}), so a key is accepted by the same rules
 * `verify` applies to the served set. `examine` gives the modulus rule its verdict (see `ModulusExamination`).
 */
function jwkFindings(key: unknown, member: string, examine: ModulusExamination = examineModulusSync): Finding[] {
  if (!isJsonObject(key)) return [];
  const at = (name: string): string => (member === '' ? name : `${member}.${name}`);
  const kid = typeof key.kid === 'string' ? ` (kid ${quote(key.kid)})` : '';
  const findings: Finding[] = [
    ...kidFindings(key.kid, at('kid')),
    ...PRIVATE_MEMBERS.filter((name) => name in key).map((name) =>
      finding(
        JWKS_RULES.noPrivateMembers,
        `key${kid} publishes the private member "${name}"; the key must be removed and rotated`,
        at(name),
      ),
    ),
  ];
  if (key.use !== 'sig') findings.push(finding(JWKS_RULES.useSig, `is ${quote(key.use)}${kid}; must be "sig"`, at('use')));
  if (!isKeyAlgorithm(key.alg)) {
    findings.push(finding(JWKS_RULES.algAllowed, `is ${quote(key.alg)}${kid}; must be one of ${KEY_ALGORITHMS.join(', ')}`, at('alg')));
  }
  if (key.kty !== 'RSA')
    findings.push(finding(JWKS_RULES.ktyRsa, `is ${quote(key.kty)}${kid}; the allowed algorithms need "RSA"`, at('kty')));
  else findings.push(...rsaKeyFindings(key, at, kid, examine));
  return findings;
}

/**
 * {@link jwkFindings} with the verdict on the modulus worked out beforehand by `examine` (for the key store,
 * whose scans share the event loop with requests: see `src/keys/modulus-checks.ts`). Same rules, same findings;
 * `undefined` when `examine` has no verdict yet.
 */
export function jwkFindingsAsync(
  key: unknown,
  member: string,
  examine: (n: bigint) => Promise<ModulusVerdict>,
): Promise<Finding[] | undefined> {
  return withModulusExamined((examination) => jwkFindings(key, member, examination), examine);
}

function duplicateKidFindings(keys: readonly unknown[]): Finding[] {
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  keys.forEach((key, index) => {
    if (!isJsonObject(key) || typeof key.kid !== 'string') return;
    const first = seen.get(key.kid);
    if (first === undefined) seen.set(key.kid, index);
    else
      findings.push(
        finding(
          JWKS_RULES.kidUnique,
          `${quote(key.kid)} is also the kid of keys[${first}]; clients could pick the wrong key`,
          `keys[${index}].kid`,
        ),
      );
  });
  return findings;
}
