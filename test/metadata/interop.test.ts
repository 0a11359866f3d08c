import { allowInsecureRequests, discoveryRequest, processDiscoveryResponse } from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract } from '../../src/contract/contract.js';
import { resolveMetadata, type OAuthMetadata } from '../../src/metadata/metadata.js';
import { METADATA_PATH, startServer, type RunningServer } from '../verify/fixture.js';
import { configFor, tempDir } from './helpers.js';

let server: RunningServer;
let served: OAuthMetadata | undefined;
const temp = tempDir();

beforeAll(async () => {
  server = await startServer((request, response) => {
    if (request.url !== METADATA_PATH || served === undefined) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
  });
});

afterAll(async () => {
  await server.close();
  temp.cleanup();
});

async function discover(issuer: URL) {
  const response = await discoveryRequest(issuer, { algorithm: 'oauth2', [allowInsecureRequests]: true });
  return processDiscoveryResponse(issuer, response);
}

describe('interop: oauth4webapi discovers the resolved metadata', () => {
  it('accepts the default document and its issuer', async () => {
    served = resolveMetadata(configFor(server.url), Contract.load());
    const as = await discover(new URL(server.url));
    expect(as.issuer).toBe(server.url);
    expect(as.token_endpoint).toBe(`${server.url}/oauth/token`);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('accepts a document configured by METADATA_FILE', async () => {
    const file = temp.write('metadata.json', {
      issuer: server.url,
      scopes_supported: ['api:read'],
      service_documentation: 'https://docs.example.com',
    });
    served = resolveMetadata(configFor(server.url, file), Contract.load());
    const as = await discover(new URL(server.url));
    expect(as.scopes_supported).toEqual(['api:read']);
    expect(as.service_documentation).toBe('https://docs.example.com');
  });
});
