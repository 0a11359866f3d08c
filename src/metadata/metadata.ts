/**
 * Resolving the authorization server metadata at startup: derived defaults, overridden by `METADATA_FILE`,
 * validated against `openapi.json` and the RFC 8414 rules of `src/rules/`, every problem reported at once.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
import type { Config } from '../config.js';
import type { Contract } from '../contract/contract.js';
import { ConfigError } from '../errors.js';
import { describeFinding, type Finding } from '../rules/finding.js';
import { ISSUER_RULES } from '../rules/issuer.js';
import { issuerMatchFindings, metadataFindings } from '../rules/metadata.js';
import { schemaFindings, schemaPropertyNames } from '../rules/schema.js';
import { canonicalMembers } from './canonical.js';
import { defaultMetadata } from './defaults.js';
import { readMetadataFile } from './file.js';
import type { OAuthMetadata } from './types.js';

export type { OAuthMetadata } from './types.js';

/** The component of `openapi.json` the metadata document is validated against. */
export const METADATA_SCHEMA = 'OAuthMetadata';

const ISSUER_RULE_IDS: ReadonlySet<string> = new Set(Object.values(ISSUER_RULES).map((rule) => rule.id));

/**
 * The issuer (RFC 8414 §2): `ISSUER`, or the development default `http://localhost:<port>` for the public
 * listener's port. The one place that default is built.
 */
export function issuerOf(config: Config, port: number): string {
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
 * Throws a {@link ConfigError} listing every problem, each prefixed by the setting that fixes it (`ISSUER: …`,
 * `METADATA_FILE: registration_endpoint: …`). `port` is the public listener's: the one it bound (the service
 * resolves once, after binding, so `PORT=0` yields a self-consistent document), or `PORT` for `--check`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function resolveMetadata(config: Config, contract: Contract, port: number = config.port): OAuthMetadata {
  const issuer = issuerOf(config, port);
  const problems: string[] = [];
  let overrides: Readonly<Record<string, unknown>> = {};
  if (config.metadataFile !== undefined) {
    const file = readMetadataFile(config.metadataFile);
    if (file.ok) overrides = file.members;
    else problems.push(`METADATA_FILE: ${file.problem}`);
  }
  if ('issuer' in overrides) {
    for (const found of issuerMatchFindings(overrides.issuer, issuer, 'ISSUER')) {
      problems.push(`METADATA_FILE: ${describeFinding(found)} (ISSUER is the only source of the issuer; remove it from the file)`);
    }
  }
  const schema = contract.componentSchema(METADATA_SCHEMA);
  const document = canonicalMembers({ ...defaultMetadata(issuer), ...overrides, issuer }, schemaPropertyNames(schema));
  // The schema answers for every member, whoever supplied it: the file is where a missing or refused member is fixed.
  for (const found of schemaFindings(contract.componentIssues(METADATA_SCHEMA, document))) {
    problems.push(`METADATA_FILE: ${describeFinding(found)}`);
  }
  const findings = metadataFindings(document, { schema, issuer, issuerFrom: 'ISSUER' });
  const issuerInvalid = findings.some((found) => ISSUER_RULE_IDS.has(found.rule));
  for (const found of findings) {
    const problem = attribute(found, overrides, issuerInvalid);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return document as OAuthMetadata;
}

/** The problem line for an RFC finding, naming the setting that fixes it; `undefined` when already reported. */
function attribute(found: Finding, overrides: Readonly<Record<string, unknown>>, issuerInvalid: boolean): string | undefined {
  if (ISSUER_RULE_IDS.has(found.rule)) return `ISSUER: ${found.message}`;
  if (found.member !== undefined && found.member in overrides) return `METADATA_FILE: ${describeFinding(found)}`;
  // A default member inherits every flaw of the issuer it is derived from, which ISSUER's own problems name already.
  return issuerInvalid ? undefined : `ISSUER: ${describeFinding(found)}`;
}
