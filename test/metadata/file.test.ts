import { execFileSync } from 'node:child_process';
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract } from '../../src/contract/contract.js';
import { resolveMetadata } from '../../src/metadata/metadata.js';
import { configFor, problemsOf, tempDir } from './helpers.js';

const temp = tempDir();
let contract: Contract;
beforeAll(() => {
  contract = Contract.load();
});
afterAll(() => temp.cleanup());

const problems = (file: string) => problemsOf(() => resolveMetadata(configFor('https://auth.example.com', file), contract));

describe('METADATA_FILE read safely', () => {
  it('a FIFO is one problem naming METADATA_FILE, never a hang', () => {
    const fifo = join(temp.dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    expect(problems(fifo)).toEqual([`METADATA_FILE: ${fifo} is a FIFO (named pipe), not a regular file`]);
  });

  it('a device is refused the same way', () => {
    expect(problems('/dev/zero')).toEqual(['METADATA_FILE: /dev/zero is a character device, not a regular file']);
  });

  it('a file over 1 MiB is refused unread', () => {
    const large = temp.write('large.json', '');
    truncateSync(large, 200 * 1024 * 1024);
    expect(problems(large)).toEqual([`METADATA_FILE: ${large} is larger than 1048576 bytes (209715200)`]);
  });
});
