/** `verify` against this project's own server: every rule passes, including the HTTP warnings. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { verify } from '../../src/verify/verify.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { startTestService } from '../support/service.js';

let service: RunningService;
beforeAll(async () => {
  service = await startTestService({ KEYS_DIR: keysDirWith({ 'own-1': rsaKey(), 'own-2': rsaKey() }), HOST: 'localhost' });
});
afterAll(() => service?.shutdown());

describe('npm run verify against our own server', () => {
  it('passes every rule with no failure and no warning', async () => {
    const report = await verify(service.metadata.issuer);
    const notPassed = report.results.filter((result) => result.outcome !== 'pass');
    expect(notPassed).toEqual([]);
    expect(report.ok).toBe(true);
    const rules = new Set(report.results.map((result) => result.rule));
    for (const rule of [
      'contract.schema',
      'rfc8414.issuer-match',
      'rfc8414.jwks-uri',
      'rfc7517.kid-unique',
      'rfc7518.rsa-key-size',
      'http.etag',
      'http.cors-preflight',
      'http.head',
    ]) {
      expect(rules).toContain(rule);
    }
  });

  it('at 127.0.0.1, with the development issuer on localhost, fails rfc8414.issuer-match saying what to change', async () => {
    const issuer = service.metadata.issuer;
    expect(issuer).toMatch(/^http:\/\/localhost:\d+$/);
    const base = issuer.replace('localhost', '127.0.0.1');
    const report = await verify(base);
    const failed = report.results.filter((result) => result.outcome === 'fail');
    expect(failed).toEqual([
      expect.objectContaining({
        rule: 'rfc8414.issuer-match',
        evidence:
          `is "${issuer}", but the base URL is "${base}"; RFC 8414 §3.3 requires them to be identical: ` +
          `verify the issuer's own URL (npm run verify -- ${issuer}), or set ISSUER=${base} where the server runs`,
      }),
    ]);
  });
});
