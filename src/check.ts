/**
 * `npm start -- --check` (or `node dist/main.js --check`): validates the configuration, the contract and the
 * keys without listening, prints the resolved metadata and a key summary, and exits 0 or 1. Made for operators'
 * CI: run it against the same environment and volumes as the deployment. It writes nothing: without `KEYS_DIR`
 * and with no development key yet, it says what `npm start` would do instead of generating one.
 */
import type { Config } from './config.js';
import { ServiceError } from './errors.js';
import { defaultKeysDir, publishesAKey } from './keys/dev-key.js';
import { scanKeysDir } from './keys/key-dir.js';
import { keyReport } from './keys/key-report.js';
import type { KeySet } from './keys/key-set.js';
import { Contract } from './contract/contract.js';
import { resolveMetadata } from './metadata/metadata.js';
import { openKeys, type ServiceOptions } from './service.js';

/** Runs the check, writing the report with `write`; resolves with the exit code. */
export async function runCheck(config: Config, write: (line: string) => void, options: ServiceOptions = {}): Promise<number> {
  const keysDir = config.keysDir ?? options.devKeysDir ?? defaultKeysDir();
  let inputs;
  try {
    const contract = options.contract ?? Contract.load();
    // A development directory with no key yet is left unread: `npm start` would fill it, and that is no failure.
    const awaitingDevKey = config.keysDir === undefined && !(await publishesAKey(keysDir));
    const keys = await openKeys(config, contract, keysDir, (dir): Promise<KeySet | undefined> =>
      awaitingDevKey ? Promise.resolve(undefined) : scanKeysDir(dir, config.keysDefaultAlg),
    );
    // Nothing is bound: the issuer's default takes the configured PORT.
    inputs = { contract, keys, metadata: resolveMetadata(config, contract) };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    write(`FAIL ${error.message}`);
    return 1;
  }
  write(`contract: ${inputs.contract.file} (${inputs.contract.operations.length} operations)`);
  write('metadata:');
  write(JSON.stringify(inputs.metadata, null, 2));
  if (inputs.keys === undefined) {
    write(`keys: KEYS_DIR is not set and ${keysDir} holds no key; npm start would generate a development key there (for development only)`);
    return 0;
  }
  const report = keyReport(keysDir, inputs.keys.reports);
  report.lines.forEach(write);
  if (inputs.keys.jwks.keys.length === 0) write('FAIL no key is published: the JWKS endpoint would answer 500');
  else if (!report.ok) write('FAIL some key files are refused (see above)');
  return report.ok ? 0 : 1;
}
