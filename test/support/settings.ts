import { loadConfig } from '../../src/config.js';

/**
 * The environment variables the service reads, in the order `src/config.ts` reads them: the members of the
 * configuration it builds, `keysDefaultAlg` read from `KEYS_DEFAULT_ALG`.
 */
export const SETTING_NAMES: readonly string[] = Object.keys(loadConfig({})).map((member) =>
  member.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase(),
);
