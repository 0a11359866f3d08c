/**
 * Every handler's data is checked before the service serves it: `npm run check` and the boot build every document
 * from its handler and validate it against its success schema in openapi.json. A document that never changes (a
 * constant source, as the metadata is) and does not validate is a refusal naming the operation, the JSON pointer
 * and the rule: the check exits 1, the boot stops before anything listens. The key store, which changes while the
 * service runs, keeps its rule (its last good document; 500 and /readyz 503 while there is none: the contract
 * suite and the admin tests cover it).
 *
 * The contracts below tighten the metadata operation's 200 schema inline (the component the metadata is resolved
 * against is unchanged, so only the document check can catch it), as the spec team could.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { readConfig } from '../../src/config.js';
import type { Contract } from '../../src/contract/contract.js';
import { DocumentInvalidError } from '../../src/errors.js';
import { compiledContract } from '../support/contract.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { captureLogger } from '../support/logs.js';
import { MAIN, runToEnd } from '../support/process.js';
import { startTestService } from '../support/service.js';
import { writeSpec } from '../support/spec-copy.js';

const METADATA = '/.well-known/oauth-authorization-server';
const OPERATION = `getWellKnownOauthAuthorizationServer (GET ${METADATA})`;
const DOCUMENTS_LINE = 'documents: each built from its handler and valid against openapi.json';

const dirs: string[] = [];
let keysDir: string;
/** The metadata's 200 requires an https issuer; no ISSUER makes it http://localhost:<port>. */
let httpsOnly: Contract;
/** The metadata's 200 allows issuers of at most 8 characters. */
let shortIssuer: Contract;

/** The contract with the metadata operation's 200 schema tightened by `issuer`, a schema of the member. */
function tightened(issuer: Record<string, unknown>): Promise<Contract> {
  const file = writeSpec((doc) => {
    const media = doc.paths[METADATA].get.responses['200'].content['application/json'];
    media.schema = { allOf: [media.schema, { properties: { issuer } }] };
  });
  dirs.push(file.replace(/\/openapi\.json$/, ''));
  return compiledContract(file);
}

beforeAll(async () => {
  keysDir = keysDirWith({ checked: rsaKey() });
  dirs.push(keysDir);
  httpsOnly = await tightened({ pattern: '^https://' });
  shortIssuer = await tightened({ maxLength: 8 });
});
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('npm run check', () => {
  it('builds and validates every document on the default configuration: exit 0', async () => {
    // The default configuration: no setting at all, as on a fresh clone (the check writes nothing).
    const { code, stdout, stderr } = await runToEnd(process.execPath, [MAIN, '--check'], { env: {} });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.split('\n')).toContain(DOCUMENTS_LINE);
  });

  it.each([
    ['pattern', () => httpsOnly, { ISSUER: 'http://localhost:3000' }, '/issuer: must match pattern "^https://"'],
    ['maxLength', () => shortIssuer, { ISSUER: 'https://auth.example.com' }, '/issuer: must NOT have more than 8 characters'],
  ])(
    'fails when a constant document breaks its %s, naming the operation, the pointer and the rule',
    async (_rule, contract, env, problem) => {
      const lines: string[] = [];
      const code = await runCheck(readConfig({ KEYS_DIR: keysDir, ...env }), (line) => lines.push(line), { contract: contract() });
      expect(code).toBe(1);
      expect(lines).not.toContain(DOCUMENTS_LINE);
      expect(lines.join('\n')).toContain(`FAIL documents that do not validate against openapi.json:\n  - ${OPERATION} ${problem}`);
    },
  );
});

describe('the boot', () => {
  it.each([
    ['pattern', () => httpsOnly, {}, '/issuer: must match pattern "^https://"'],
    ['maxLength', () => shortIssuer, { ISSUER: 'https://auth.example.com' }, '/issuer: must NOT have more than 8 characters'],
  ])('refuses a constant document that breaks its %s before anything listens', async (_rule, contract, env, problem) => {
    const { logger, records } = captureLogger('info');
    const started = startTestService({ KEYS_DIR: keysDir, ...env }, { contract: contract(), logger });
    await expect(started).rejects.toBeInstanceOf(DocumentInvalidError);
    await expect(started).rejects.toThrow(`${OPERATION} ${problem}`);
    expect(records().map((record) => record.msg)).not.toContain('listening');
  });
});
