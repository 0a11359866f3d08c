/**
 * Resolving the authorization server metadata at startup: derived defaults, overridden by `METADATA_FILE`,
 * validated against `openapi.json` and the RFC 8414 rules of `src/rules/`, every problem reported at once.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../config.js';
import type { Contract } from '../contract/contract.js';
import { pointerSegments } from '../contract/schema-problems.js';
import { ConfigError } from '../errors.js';
import { readJsonObjectFile } from '../json-file.js';
import { describeFinding, type Finding } from '../rules/finding.js';
import { ISSUER_RULES } from '../rules/issuer.js';
import { issuerMatchFindings, metadataFindings } from '../rules/metadata.js';
import { schemaFindings, schemaPropertyNames } from '../rules/schema.js';
import { canonicalMembers } from './canonical.js';
import { defaultMetadata } from './defaults.js';
import type { OAuthMetadata } from './types.js';

export type { OAuthMetadata } from './types.js';

/** The component of `openapi.json` the metadata document is validated against. */
export const METADATA_SCHEMA = 'OAuthMetadata';

const ISSUER_RULE_IDS: ReadonlySet<string> = new Set(Object.values(ISSUER_RULES).map((rule) => rule.id));

/** The members whose default is derived from the issuer: those that differ between two issuers. */
const ISSUER_DERIVED: ReadonlySet<string> = (() => {
  const a: Readonly<Record<string, unknown>> = defaultMetadata('https://a.example', []);
  const b: Readonly<Record<string, unknown>> = defaultMetadata('https://b.example', []);
  return new Set(Object.keys(a).filter((member) => !isDeepStrictEqual(a[member], b[member])));
})();

/**
 * The issuer (RFC 8414 §2): `ISSUER`, or the development default `http://localhost:<port>` for the public
 * listener's port. The one place that default is built.
 */
function issuerOf(config: Config, port: number): string {
  return config.issuer ?? `http://localhost:${port}`;
}

/**
 * The metadata document this service serves: {@link defaultMetadata} for `issuer`, with the members of
 * `config.metadataFile` replacing them, in canonical member order and frozen.
 *
 * Members are accepted exactly when `components.schemas.OAuthMetadata` of `openapi.json` accepts them, so a member
 * added there is served with no code change. On top of the schema: the issuer rules (RFC 8414 §2, and no path,
 * §3.1), endpoints as absolute https URLs (http on loopback), required arrays non-empty, and no `issuer` in the
 * file other than `issuer` itself (ISSUER is its only source).
 *
 * Throws a {@link ConfigError} listing every problem, each attributed to where the offending value came from (see
 * {@link problemLine}): `METADATA_FILE: registration_endpoint: …` for a member the file set, `ISSUER: …` for the
 * issuer and the members derived from it, `built-in default: scopes_supported: …` for a default of this code that
 * no longer passes. `port` is the public listener's: the one it bound (the service resolves once, after binding,
 * so `PORT=0` yields a self-consistent document), or `PORT` for `--check`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function resolveMetadata(config: Config, contract: Contract, port: number = config.port): OAuthMetadata {
  const checked = checkMetadata(config, contract, port);
  if (checked.metadata === undefined) throw new ConfigError(checked.problems);
  return checked.metadata;
}

/** The metadata document, or the problems that keep it from being served. */
export interface MetadataCheck {
  /** The document {@link resolveMetadata} returns; `undefined` when there is a problem. */
  readonly metadata: OAuthMetadata | undefined;
  /** The problems {@link resolveMetadata} would throw, in the order it lists them. */
  readonly problems: readonly string[];
}

/**
 * {@link resolveMetadata} without throwing, for a configuration whose other settings may be invalid too. `port` is
 * `undefined` when `PORT` itself was refused: without `ISSUER` the issuer then cannot be derived, so nothing is said
 * about it or the members derived from it, and everything else is still judged.
 */
export function checkMetadata(config: Config, contract: Contract, port: number | undefined): MetadataCheck {
  const knownIssuer = port === undefined ? config.issuer : issuerOf(config, port);
  const issuer = knownIssuer ?? UNKNOWN_ISSUER;
  const problems: string[] = [];
  let overrides: Readonly<Record<string, unknown>> = {};
  let fileUnread = false;
  if (config.metadataFile !== undefined) {
    // Opened non-blocking and checked on its descriptor (`bounded-file.ts`): a FIFO or a device never hangs the boot.
    const file = readJsonObjectFile(config.metadataFile, 'of OAuthMetadata members');
    if (file.ok) overrides = file.value;
    else problems.push(`METADATA_FILE: ${file.problem}`);
    fileUnread = !file.ok;
  }
  if ('issuer' in overrides && knownIssuer !== undefined) {
    for (const found of issuerMatchFindings(overrides.issuer, issuer, 'ISSUER')) {
      problems.push(`METADATA_FILE: ${describeFinding(found)} (ISSUER is the only source of the issuer; remove it from the file)`);
    }
  }
  const defaults = defaultMetadata(issuer, contract.operations);
  const schema = contract.componentSchema(METADATA_SCHEMA);
  const document = canonicalMembers({ ...defaults, ...overrides, issuer }, schemaPropertyNames(schema));
  const findings = metadataFindings(document, { schema, issuer, issuerFrom: 'ISSUER' });
  const origins: Origins = {
    file: overrides,
    defaults,
    // A derived member inherits every flaw of the issuer, which ISSUER's own problems name already.
    issuerInvalid: findings.some((found) => ISSUER_RULE_IDS.has(found.rule)),
    issuerUnknown: knownIssuer === undefined,
    hasFile: config.metadataFile !== undefined,
    fileUnread,
  };
  // The schema answers for every member, whoever supplied it; the problem names the supplier.
  const issues = contract.componentIssues(METADATA_SCHEMA, document);
  const attributed = [
    ...schemaFindings(issues).map((found, index) => problemLine(found, pointerSegments(issues[index]?.pointer ?? '')[0], origins)),
    ...findings.map((found) => problemLine(found, found.member, origins)),
  ];
  problems.push(...attributed.filter((line) => line !== undefined));
  return problems.length > 0 ? { metadata: undefined, problems } : { metadata: document as OAuthMetadata, problems };
}

/** Stands in for an issuer that cannot be derived; every problem it could cause is left out. */
const UNKNOWN_ISSUER = 'http://localhost';

/** Where the members of the document came from. */
interface Origins {
  /** The members `METADATA_FILE` set (none when it is unset or unreadable). */
  readonly file: Readonly<Record<string, unknown>>;
  /** The built-in defaults for the issuer. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Whether the issuer itself breaks an issuer rule. */
  readonly issuerInvalid: boolean;
  /** Whether the issuer could not be derived (`PORT` refused, `ISSUER` unset): a stand-in took its place. */
  readonly issuerUnknown: boolean;
  /** Whether `METADATA_FILE` is set. */
  readonly hasFile: boolean;
  /** Whether `METADATA_FILE` is set but could not be read: any member but the issuer may be the file's. */
  readonly fileUnread: boolean;
}

/**
 * The problem line for `found`, a finding about top-level `member` of the document, naming where the offending
 * value came from and so what fixes it; `undefined` when ISSUER's own problems already cover it:
 * - the issuer, and a member whose default is derived from it (`jwks_uri`): `ISSUER: …`;
 * - a member the file set: `METADATA_FILE: <member>: …`;
 * - a built-in default (a bug, or `openapi.json` now asking for something else): `built-in default: <member>: …;
 *   set <member> in METADATA_FILE …`;
 * - a member no one set (one `openapi.json` requires but that has no default): says to set it in METADATA_FILE.
 *
 * Nothing is said that may be false: about the issuer and its derived members when the issuer is a stand-in, and
 * about anything but the issuer when the file, which could replace it, was not read.
 */
function problemLine(found: Finding, member: string | undefined, origins: Origins): string | undefined {
  const aboutIssuer = ISSUER_RULE_IDS.has(found.rule) || member === 'issuer';
  if (origins.fileUnread && !aboutIssuer) return undefined;
  if (
    origins.issuerUnknown &&
    (aboutIssuer || (member !== undefined && ISSUER_DERIVED.has(member) && !Object.hasOwn(origins.file, member)))
  )
    return undefined;
  if (ISSUER_RULE_IDS.has(found.rule)) return `ISSUER: ${found.message}`;
  const described = describeFinding(found);
  if (member === undefined) return `metadata: ${described} (the built-in defaults${origins.hasFile ? ' with METADATA_FILE' : ''})`;
  if (member === 'issuer') return `ISSUER: ${described}`;
  if (Object.hasOwn(origins.file, member)) return `METADATA_FILE: ${described}`;
  if (!Object.hasOwn(origins.defaults, member)) return `${described}; there is no built-in default: set ${member} in METADATA_FILE`;
  if (ISSUER_DERIVED.has(member)) {
    return origins.issuerInvalid ? undefined : `ISSUER: ${described} (derived from ISSUER; set ${member} in METADATA_FILE to replace it)`;
  }
  return `built-in default: ${described}; set ${member} in METADATA_FILE to replace the default (src/metadata/defaults.ts)`;
}
