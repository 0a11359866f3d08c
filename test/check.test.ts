import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check.js';
import { readConfig } from '../src/config.js';
import { pkcs8, rsaKey, TempDirs } from './keys/helpers.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

async function check(env: Record<string, string>, devKeysDir?: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCheck(readConfig({ ISSUER: 'https://auth.example.com', ...env }), (line) => lines.push(line), { devKeysDir });
  return { code, lines };
}

describe('--check', () => {
  it('without KEYS_DIR and with no development key, says what npm start would do and creates nothing', async () => {
    const devKeysDir = join(temp.make(), '.dev-keys');
    const { code, lines } = await check({}, devKeysDir);
    expect(code).toBe(0);
    expect(lines.at(-1)).toBe(
      `keys: KEYS_DIR is not set and ${devKeysDir} holds no key; npm start would generate a development key there (for development only)`,
    );
    expect(existsSync(devKeysDir)).toBe(false);
  });

  it('without KEYS_DIR, checks the development key once there is one', async () => {
    const devKeysDir = temp.make();
    writeFileSync(join(devKeysDir, 'dev.pem'), pkcs8(rsaKey()));
    const { code, lines } = await check({}, devKeysDir);
    expect(code).toBe(0);
    expect(lines).toContain(`keys in ${devKeysDir}:`);
    expect(lines.at(-1)).toBe('1 published, 0 refused');
  });

  it('fails on a forgeable key (e = 1) in KEYS_DIR, naming the rule', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'forged.json'), JSON.stringify({ ...rsaKey().publicKey.export({ format: 'jwk' }), e: 'AQ' }));
    const { code, lines } = await check({ KEYS_DIR: dir });
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(
      /forged\.json\s+forged\s+RS256\s+2048\s+refused\s+e: is 1 \(kid "forged"\); .*\(sp800-56b\.rsa-exponent\)/,
    );
  });
});
