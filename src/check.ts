/**
 * `npm start -- --check` (or `node dist/main.js --check`): validates the configuration, the contract and the
 * keys without listening, prints the resolved metadata and a key summary, and exits 0 or 1. Made for operators'
 * CI: run it against the same environment and volumes as the deployment.
 */
import type { Config } from './config.js';
import { ServiceError } from './errors.js';
import { keyReport } from './keys/key-report.js';
import { prepareService, type ServiceOptions } from './service.js';

/** Runs the check, writing the report with `write`; resolves with the exit code. */
export async function runCheck(config: Config, write: (line: string) => void, options: ServiceOptions = {}): Promise<number> {
  let prepared;
  try {
    prepared = await prepareService(config, options);
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    write(`FAIL ${error.message}`);
    return 1;
  }
  try {
    write(`contract: ${prepared.contract.file} (${prepared.contract.operations.length} operations)`);
    write('metadata:');
    write(JSON.stringify(prepared.metadata, null, 2));
    const report = keyReport(prepared.keysDir, prepared.keys.files);
    report.lines.forEach(write);
    if (prepared.keys.stats.published === 0) write('FAIL no key is published: the JWKS endpoint would answer 500');
    else if (!report.ok) write('FAIL some key files are refused (see above)');
    return report.ok ? 0 : 1;
  } finally {
    prepared.close();
  }
}
