/**
 * `npm start -- --check` (or `node dist/main.js --check`): validates the configuration, the contract, every
 * document as its handler builds it and the keys without listening, prints the resolved metadata and a key
 * summary, and exits 0 or 1. Made for operators'
 * CI: run it against the same environment and volumes as the deployment. It writes nothing: without `KEYS_DIR`
 * and with no development key yet, it says what `npm start` would do instead of generating one.
 */
import type { ConfigReading } from './config.js';
import { reviewConfig, type ConfigReview, type ReviewOptions } from './config-review.js';
import { constantSource } from './documents/document-source.js';
import { registerHandlers } from './documents/handlers.js';
import { bindHandlers } from './documents/registry.js';
import { ConfigError, DocumentInvalidError, ServiceError } from './errors.js';
import { keyReport } from './keys/key-report.js';
import type { OAuthMetadata } from './metadata/types.js';

/**
 * Every document as the service would build it from its handler (the keys as scanned, the metadata for `PORT`),
 * validated against its success schema in `openapi.json`: one line per problem naming the operation, the JSON
 * pointer and the rule; empty when all validate. Unlike the boot, the keys fail here too (their scan is a
 * constant here, where the service's key store changes): the service would answer 500 until they change.
 */
function documentProblems(review: ConfigReview, metadata: OAuthMetadata): readonly string[] {
  const keys = constantSource(review.keys?.jwks ?? { keys: [] });
  try {
    bindHandlers(review.contract, registerHandlers({ keys, metadata }), () => undefined).close();
    return [];
  } catch (error) {
    if (!(error instanceof DocumentInvalidError)) throw error;
    return error.problems;
  }
}

/**
 * Runs the check on `reading` (see `readConfig`), writing the report with `write`; resolves with the exit code.
 * Every configuration problem is reported at once (see `reviewConfig`): `FAIL invalid configuration:` and one
 * line per problem, without the report, which would describe a service that cannot start.
 */
export async function runCheck(reading: ConfigReading, write: (line: string) => void, options: ReviewOptions = {}): Promise<number> {
  let review;
  try {
    review = await reviewConfig(reading, options);
  } catch (error) {
    // openapi.json refused, or the contract not the one the build compiled: no setting is at fault, but it fails.
    if (!(error instanceof ServiceError)) throw error;
    write(`FAIL ${error.message}`);
    return 1;
  }
  if (review.metadata === undefined || review.problems.length > 0) {
    write(`FAIL ${new ConfigError(review.problems).message}`);
    return 1;
  }
  write(`contract: ${review.contract.file} (${review.contract.operations.length} operations)`);
  write('metadata:');
  // Nothing is bound: the issuer's default takes the configured PORT.
  write(JSON.stringify(review.metadata, null, 2));
  const documents = documentProblems(review, review.metadata);
  if (documents.length === 0) write('documents: each built from its handler and valid against openapi.json');
  else write(`FAIL documents that do not validate against openapi.json:\n${documents.map((line) => `  - ${line}`).join('\n')}`);
  if (review.keys === undefined) {
    write(
      `keys: KEYS_DIR is not set and ${review.keysDir} holds no key; npm start would generate a development key there (for development only)`,
    );
    return documents.length === 0 ? 0 : 1;
  }
  const report = keyReport(review.keysDir, review.keys);
  report.lines.forEach(write);
  if (review.keys.jwks.keys.length === 0) write('FAIL no key is published: the JWKS endpoint would answer 500');
  else if (!report.ok) write('FAIL some key files are refused (see above)');
  return report.ok && documents.length === 0 ? 0 : 1;
}
