/**
 * Interop with OAuth discovery clients against the real server: oauth4webapi and openid-client accept the
 * metadata document and its issuer. The issuer is the default (`http://localhost:<port>`), so the loopback
 * http allowance is exercised end to end.
 */
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { startTestService } from '../support/service.js';

let service: RunningService;
let issuer: URL;

beforeAll(async () => {
  service = await startTestService({ KEYS_DIR: keysDirWith({ discovery: rsaKey() }), HOST: 'localhost' });
  issuer = new URL(`http://localhost:${new URL(service.url).port}`);
});
afterAll(() => service?.shutdown());

describe('oauth4webapi', () => {
  it('discovers the authorization server with algorithm oauth2', async () => {
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true });
    const as = await oauth.processDiscoveryResponse(issuer, response);
    expect(as.issuer).toBe(issuer.href.replace(/\/$/, ''));
    expect(as.jwks_uri).toBe(`${as.issuer}/.well-known/jwks.json`);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
  });
});

describe('openid-client', () => {
  it('builds a Configuration from RFC 8414 discovery', async () => {
    const config = await client.discovery(issuer, 'my-client', undefined, client.None(), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
    const metadata = config.serverMetadata();
    expect(metadata.token_endpoint).toBe(`${issuer.origin}/oauth/token`);
    expect(metadata.supportsPKCE()).toBe(true);
  });
});
