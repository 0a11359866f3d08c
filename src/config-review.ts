/**
 * Every configuration problem in one pass, whatever mix of settings is wrong: the environment, then what depends
 * on it (`KEYS_DIR`, `METADATA_FILE`, the issuer), each judged as far as the other settings allow. `--check`
 * reports from it, and a boot whose environment is invalid stops with its problems, so both list the same.
 * It only reads: no development key is generated, no directory is watched.
 */
import type { Config, ConfigReading } from './config.js';
import { Contract } from './contract/contract.js';
import { KeysDirError } from './errors.js';
import { errorRendering } from './http/errors.js';
import { defaultKeysDir, devKeys } from './keys/dev-key.js';
import { scanKeysDir } from './keys/key-dir.js';
import type { KeySet } from './keys/key-set.js';
import { checkMetadata, type OAuthMetadata } from './metadata/metadata.js';

/** What a review found. */
export interface ConfigReview {
  readonly contract: Contract;
  /** The directory keys are read from: `KEYS_DIR`, or the development directory. */
  readonly keysDir: string;
  /**
   * The keys as the service would publish them; `undefined` when the directory is refused, or when `KEYS_DIR` is
   * unset and the development directory holds no key yet (`npm start` would generate one).
   */
  readonly keys: KeySet | undefined;
  /** The metadata the service would serve for `PORT`; `undefined` when it has a problem. */
  readonly metadata: OAuthMetadata | undefined;
  /**
   * Every problem, one line each naming its setting; empty when all is valid. The order is stable: the environment's
   * (see `readConfig`), then `KEYS_DIR`'s, then the metadata's as `resolveMetadata` lists them.
   */
  readonly problems: readonly string[];
}

/** What the review reads besides the settings: injection points for tests and tools (see `ServiceOptions`). */
export interface ReviewOptions {
  /** The contract; default `Contract.load()`, the project's `openapi.json` as compiled in `generated/`. */
  readonly contract?: Contract;
  /** Where the embedded development key lives when `KEYS_DIR` is unset; default `<project>/.dev-keys`. */
  readonly devKeysDir?: string;
}

/**
 * The contract the service serves: `options.contract`, else the compiled one. A contract that declares an error
 * schema the server cannot render is refused here (a `SpecError` naming the operation and the schema), so the boot
 * and `--check` refuse the same documents.
 */
export function servedContract(options: ReviewOptions = {}): Contract {
  const contract = options.contract ?? Contract.load();
  errorRendering(contract);
  return contract;
}

/**
 * Judges `reading` and everything that depends on it. Contract and filesystem failures that are not about a
 * setting (an `openapi.json` the build refuses, a bug) are thrown, not listed.
 */
export async function reviewConfig(reading: ConfigReading, options: ReviewOptions = {}): Promise<ConfigReview> {
  const { config } = reading;
  const contract = servedContract(options);
  const keysDir = config.keysDir ?? options.devKeysDir ?? defaultKeysDir();
  const problems = [...reading.problems];
  let keys: KeySet | undefined;
  try {
    // Without KEYS_DIR, a development directory with no key yet is left out: npm start would fill it, no failure.
    keys = config.keysDir === undefined ? await devKeys(keysDir, config.keysDefaultAlg) : await scanKeysDir(keysDir, config.keysDefaultAlg);
  } catch (error) {
    if (!(error instanceof KeysDirError)) throw error;
    problems.push(keysDirProblem(config, error));
  }
  // Without ISSUER, a refused PORT leaves no issuer to judge; the rest of the metadata is judged all the same.
  const metadata = checkMetadata(config, contract, reading.refused.has('PORT') ? undefined : config.port);
  problems.push(...metadata.problems);
  return { contract, keysDir, keys, metadata: metadata.metadata, problems };
}

/**
 * The problem line for a keys directory that is refused as a whole: `KEYS_DIR: keys directory /keys cannot be
 * read: …`, or, without `KEYS_DIR`, the development directory's error, which names `KEYS_DIR` itself.
 */
export function keysDirProblem(config: Config, error: KeysDirError): string {
  return config.keysDir === undefined ? error.message : `KEYS_DIR: ${error.message}`;
}
