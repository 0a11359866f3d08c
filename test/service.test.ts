import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { captureLogger, TempDirs } from './keys/helpers.js';
import { startTestService } from './support/service.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** KEYS_DIR unset: the service uses its development key directory. */
const ENV = { ISSUER: 'https://auth.example.com' };

describe('the development key (KEYS_DIR unset)', () => {
  it('is generated on the first start only, which logs it once naming the directory', async () => {
    const devKeysDir = join(temp.make(), '.dev-keys');
    const first = captureLogger();
    await (await startTestService(ENV, { devKeysDir, logger: first.logger })).shutdown();
    const generated = first.records().filter((record) => String(record.msg).startsWith('KEYS_DIR is not set: generated a development key'));
    expect(generated).toEqual([expect.objectContaining({ level: 'warn', dir: devKeysDir, kid: expect.stringMatching(/^dev-/) })]);
    expect(readdirSync(devKeysDir)).toHaveLength(1);

    const second = captureLogger();
    await (await startTestService(ENV, { devKeysDir, logger: second.logger })).shutdown();
    expect(second.records().filter((record) => String(record.msg).includes('generated a development key'))).toEqual([]);
    expect(readdirSync(devKeysDir)).toHaveLength(1);
  });

  it.each([
    [
      'under a regular file',
      () => {
        const file = join(temp.make(), 'file');
        writeFileSync(file, '');
        return join(file, '.dev-keys');
      },
    ],
    ['on a filesystem that refuses it', () => '/sys/.dev-keys'],
  ])('that cannot be created (%s) stops the boot with one problem naming KEYS_DIR and the directory', async (_name, dir) => {
    const devKeysDir = dir();
    const failure = await startTestService(ENV, { devKeysDir }).then(
      (service) => service.shutdown(),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    const problems = (failure as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(
        `^KEYS_DIR is not set, and the development key directory ${devKeysDir} cannot be used: .+\\. Set KEYS_DIR to the directory of the signing keys$`,
      ),
    );
  });
});
