/**
 * The attack behind the RSA key rules, end to end: a JWK with e = 1 in KEYS_DIR would let anyone mint tokens, as
 * with e = 1 an RS256 signature is just the padded hash. The key must never reach a verifier: jose, reading the
 * served JWKS, finds no key for its kid and rejects the forged token.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { get } from '../support/http.js';
import { rsaKey, tempDir } from '../support/keys.js';
import { startTestService } from '../support/service.js';

const ISSUER = 'https://auth.example.com';
/** DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

const forgedJwk = { ...rsaKey().publicKey.export({ format: 'jwk' }), e: 'AQ', kid: 'forged', alg: 'RS256', use: 'sig' };
let service: RunningService;

/** An RS256 JWT "signed" for a key with e = 1 without any private key: the signature is the EMSA-PKCS1-v1_5 encoding. */
function forgeToken(kid: string): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg: 'RS256', kid })}.${encode({ sub: 'attacker', iss: ISSUER, scope: 'admin' })}`;
  const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(signingInput).digest()]);
  const modulusBytes = Buffer.from(forgedJwk.n ?? '', 'base64url').length;
  const encoded = Buffer.concat([
    Buffer.from([0, 1]),
    Buffer.alloc(modulusBytes - digestInfo.length - 3, 0xff),
    Buffer.from([0]),
    digestInfo,
  ]);
  return `${signingInput}.${encoded.toString('base64url')}`;
}

beforeAll(async () => {
  const keysDir = tempDir('wk-forged-');
  writeFileSync(join(keysDir, 'forged.json'), JSON.stringify(forgedJwk));
  writeFileSync(join(keysDir, 'real.pem'), rsaKey().pem, { mode: 0o600 });
  service = await startTestService({ KEYS_DIR: keysDir, ISSUER });
});
afterAll(() => service?.shutdown());

describe('a forgeable key (e = 1) in KEYS_DIR', () => {
  it('would let a forged token through, were it published (the attack is real)', async () => {
    await expect(jwtVerify(forgeToken('forged'), createLocalJWKSet({ keys: [forgedJwk] }))).resolves.toMatchObject({
      payload: { sub: 'attacker' },
    });
  });

  it('is not served: the JWKS holds only the real key', async () => {
    const body = JSON.parse((await get(`${service.url}/.well-known/jwks.json`)).body) as { keys: Array<{ kid: string }> };
    expect(body.keys.map((key) => key.kid)).toEqual(['real']);
  });

  it('so jose never sees it, and rejects the forged token', async () => {
    const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', service.url));
    await expect(jwtVerify(forgeToken('forged'), jwks, { issuer: ISSUER })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    // Nor can the forgery borrow the kid of a key that is published.
    await expect(jwtVerify(forgeToken('real'), jwks, { issuer: ISSUER })).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });
});
