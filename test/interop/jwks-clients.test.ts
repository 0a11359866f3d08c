/**
 * Interop with the client libraries that consume the JWKS, against the real server: jose's remote key set and
 * auth0's jwks-rsa, with tokens signed by keys read from KEYS_DIR.
 */
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, createRemoteJWKSet, jwtVerify } from 'jose';
import jwksClient from 'jwks-rsa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { eventually, get } from '../support/http.js';
import { rsaKey, tempDir, type TestKey } from '../support/keys.js';
import { startTestService } from '../support/service.js';

const ISSUER = 'https://auth.example.com';
const first = rsaKey();
const second = rsaKey();
let keysDir: string;
let service: RunningService;
let jwksUrl: URL;

function sign(key: TestKey, kid: string, alg = 'RS256'): Promise<string> {
  return new SignJWT({ scope: 'api:read' })
    .setProtectedHeader({ alg, kid })
    .setIssuer(ISSUER)
    .setAudience('archera-api')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

beforeAll(async () => {
  keysDir = tempDir('wk-interop-');
  writeFileSync(join(keysDir, 'interop-1.pem'), first.pem, { mode: 0o600 });
  // A private JWK with its own kid and alg: the published form must still hold public members only.
  const jwk = { ...first.privateKey.export({ format: 'jwk' }), kid: 'interop-ps', alg: 'PS256', use: 'sig' };
  writeFileSync(join(keysDir, 'ps.json'), JSON.stringify(jwk), { mode: 0o600 });
  service = await startTestService({ KEYS_DIR: keysDir, ISSUER });
  jwksUrl = new URL('/.well-known/jwks.json', service.url);
});
afterAll(() => service?.shutdown());

describe('jose createRemoteJWKSet + jwtVerify', () => {
  it('verifies a token signed with a private key from KEYS_DIR', async () => {
    const jwks = createRemoteJWKSet(jwksUrl);
    const { payload, protectedHeader } = await jwtVerify(await sign(first, 'interop-1'), jwks, { issuer: ISSUER, audience: 'archera-api' });
    expect(protectedHeader.kid).toBe('interop-1');
    expect(payload.scope).toBe('api:read');
  });

  it('verifies a PS256 token against the key’s published alg', async () => {
    const jwks = createRemoteJWKSet(jwksUrl);
    await expect(jwtVerify(await sign(first, 'interop-ps', 'PS256'), jwks, { issuer: ISSUER })).resolves.toBeDefined();
  });

  it('rejects a token signed by a key that is not published', async () => {
    const jwks = createRemoteJWKSet(jwksUrl, { cooldownDuration: 0 });
    await expect(jwtVerify(await sign(rsaKey(), 'interop-1'), jwks)).rejects.toThrow(/signature verification failed/);
  });

  it('verifies a token from a newly added key file with no restart', async () => {
    const jwks = createRemoteJWKSet(jwksUrl, { cooldownDuration: 0, cacheMaxAge: 0 });
    const token = await sign(second, 'interop-2');
    await expect(jwtVerify(token, jwks)).rejects.toThrow();
    writeFileSync(join(keysDir, 'interop-2.pem'), second.pem, { mode: 0o600 });
    // No reload call: the watcher or the periodic rescan must find the file on its own.
    const verified = await eventually(() =>
      jwtVerify(token, jwks).then(
        () => true,
        () => false,
      ),
    );
    expect(verified).toBe(true);
  });
});

describe('jwks-rsa getSigningKey', () => {
  it('returns the same public key as the one in KEYS_DIR', async () => {
    const client = jwksClient({ jwksUri: jwksUrl.href, cache: false });
    const key = await client.getSigningKey('interop-1');
    const served = createPublicKey(key.getPublicKey()).export({ type: 'spki', format: 'der' });
    expect(served.equals(first.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(key.alg).toBe('RS256');
  });
});

describe('private-key sources', () => {
  it('publish no private member, only kty, use, kid, alg, n and e', async () => {
    const body = JSON.parse((await get(jwksUrl.href)).body) as { keys: Array<Record<string, unknown>> };
    expect(body.keys.length).toBeGreaterThanOrEqual(2);
    for (const key of body.keys) expect(Object.keys(key)).toEqual(['kty', 'use', 'kid', 'alg', 'n', 'e']);
    const text = JSON.stringify(body);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']) expect(text).not.toContain(`"${member}":`);
  });
});
