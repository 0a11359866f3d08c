/** Shared set-up of the metadata tests: temp files and configurations as the service builds them. */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir as makeTempDir } from '../support/keys.js';

/** A temp directory, removed by `cleanup` (and after the test file in any case: see `tempDir` of test/support). */
export function tempDir(): { readonly dir: string; write(name: string, content: unknown): string; cleanup(): void } {
  const dir = makeTempDir('metadata-test-');
  return {
    dir,
    write(name, content) {
      const file = join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The configuration `loadConfig` gives for ISSUER and an optional METADATA_FILE. */
export function configFor(issuer: string | undefined, metadataFile?: string): Config {
  return loadConfig({
    ...(issuer === undefined ? {} : { ISSUER: issuer }),
    ...(metadataFile === undefined ? {} : { METADATA_FILE: metadataFile }),
  });
}

/** The problems of the ConfigError `action` throws; fails the test when it throws nothing else. */
export function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}
