import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Contract } from '../../src/contract/contract.js';
import { ServiceError, UnreachableError, UsageError } from '../../src/errors.js';
import { verify, type Report } from '../../src/verify/verify.js';
import { compiledContract } from '../support/contract.js';
import { eventually } from '../support/http.js';
import { aRequiredArrayMember, undefinedMetadataUrlMember } from '../support/openapi.js';
import { writeSpec } from '../support/spec-copy.js';
import {
  correctKeys,
  documentSubjects,
  JWKS_PATH,
  METADATA_PATH,
  privateRsaKey,
  rsaKey,
  startFixture,
  startServer,
  type FixtureBreak,
  type RunningServer,
} from './fixture.js';

let contract: Contract;
const running: RunningServer[] = [];

beforeAll(() => {
  contract = Contract.load();
  correctKeys();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function verifyFixture(broken: FixtureBreak = {}): Promise<Report> {
  const server = await startFixture(broken);
  running.push(server);
  return verify(server.url, { contract });
}

function failures(report: Report) {
  return report.results.filter((result) => result.outcome === 'fail');
}

function failedRules(report: Report): string[] {
  return [...new Set(failures(report).map((result) => result.rule))].sort();
}

describe('verify against a correct deployment', () => {
  it('passes every check with no failure and no warning', async () => {
    const report = await verifyFixture();
    expect(failures(report)).toEqual([]);
    expect(report.counts.warn).toBe(0);
    expect(report.ok).toBe(true);
    const passed = new Set(report.results.map((result) => result.rule));
    for (const rule of [
      'contract.status',
      'contract.content-type',
      'http.body-size',
      'contract.schema',
      'contract.error-404',
      'contract.error-405',
      'rfc8414.issuer-match',
      'rfc8414.issuer-https',
      'rfc8414.endpoint-absolute',
      'rfc8414.required-array-non-empty',
      'rfc8414.jwks-uri',
      'rfc7517.keys-present',
      'rfc7517.kid-unique',
      'rfc7518.rsa-key-size',
      'rfc7517.no-private-members',
      'http.cache-control',
      'http.etag',
      'http.cors',
      'http.cors-preflight',
      'http.head',
    ]) {
      expect(passed, rule).toContain(rule);
    }
  });

  it('reports progress, one line per request', async () => {
    const server = await startFixture();
    running.push(server);
    const lines: string[] = [];
    await verify(server.url, { contract, onProgress: (line) => lines.push(line) });
    expect(lines[0]).toBe(`[contract.status] GET ${server.url}${METADATA_PATH}`);
    expect(lines).toContain(`[http.cors-preflight] OPTIONS ${server.url}${JWKS_PATH}`);
  });

  it('accepts the base URL with a trailing slash as the same issuer', async () => {
    const server = await startFixture();
    running.push(server);
    const report = await verify(`${server.url}/`, { contract });
    expect(failures(report)).toEqual([]);
    expect(report.results).toContainEqual(expect.objectContaining({ rule: 'rfc8414.issuer-match', outcome: 'pass' }));
  });
});

describe('verify against a deployment that breaks one rule', () => {
  it('a private member in a key fails rfc7517.no-private-members, naming it', async () => {
    const leaky = privateRsaKey('leaky');
    const report = await verifyFixture({ jwks: () => ({ keys: [leaky] }) });
    expect(failedRules(report)).toContain('rfc7517.no-private-members');
    expect(failures(report)).toContainEqual(expect.objectContaining({ rule: 'rfc7517.no-private-members', member: 'keys[0].d' }));
    expect(report.ok).toBe(false);
  });

  it('a duplicate kid fails rfc7517.kid-unique', async () => {
    const [first, second] = correctKeys();
    const report = await verifyFixture({ jwks: () => ({ keys: [first, { ...second, kid: first?.kid }] }) });
    expect(failedRules(report)).toEqual(['rfc7517.kid-unique']);
    expect(failures(report)[0]).toMatchObject({ member: 'keys[1].kid', evidence: expect.stringContaining('key-2025-01') });
  });

  it('a 1024-bit key fails rfc7518.rsa-key-size', async () => {
    const small = rsaKey('small', 1024);
    const report = await verifyFixture({ jwks: () => ({ keys: [small] }) });
    expect(failedRules(report)).toEqual(['rfc7518.rsa-key-size']);
    expect(failures(report)[0]?.evidence).toContain('1024-bit');
  });

  it('an issuer other than the base URL fails rfc8414.issuer-match', async () => {
    const report = await verifyFixture({ metadata: (correct) => ({ ...correct, issuer: 'https://other.example.com' }) });
    expect(failedRules(report)).toEqual(['rfc8414.issuer-match']);
    expect(failures(report)[0]).toMatchObject({ member: 'issuer', evidence: expect.stringContaining('https://other.example.com') });
  });

  it('a member openapi.json does not define fails contract.schema, naming it', async () => {
    const member = undefinedMetadataUrlMember();
    const report = await verifyFixture({ metadata: (correct, base) => ({ ...correct, [member]: `${base}/oauth/register` }) });
    expect(failedRules(report)).toEqual(['contract.schema']);
    expect(failures(report)[0]).toMatchObject({ member, evidence: expect.stringContaining('openapi.json') });
  });

  it('a missing Content-Type fails contract.content-type on every document', async () => {
    const report = await verifyFixture({ noContentType: true });
    expect(failedRules(report)).toEqual(['contract.content-type']);
    expect(failures(report).map((result) => result.subject)).toEqual(documentSubjects());
    expect(failures(report)[0]?.member).toBe('Content-Type');
  });

  it('a redirect fails http.no-redirect, naming the Location', async () => {
    const report = await verifyFixture({
      intercept: (request, response) => {
        if (request.url !== METADATA_PATH || request.method !== 'GET') return false;
        response.writeHead(302, { location: 'https://elsewhere.example.com/metadata' }).end();
        return true;
      },
    });
    expect(failedRules(report)).toEqual(['contract.status', 'http.no-redirect']);
    expect(failures(report).find((result) => result.rule === 'http.no-redirect')).toMatchObject({
      member: 'Location',
      evidence: expect.stringContaining('https://elsewhere.example.com/metadata'),
    });
  });

  it('a jwks_uri serving another key set fails rfc8414.jwks-uri', async () => {
    const other = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [correctKeys()[0]] }));
    });
    running.push(other);
    const report = await verifyFixture({ metadata: (correct) => ({ ...correct, jwks_uri: `${other.url}/keys` }) });
    expect(failedRules(report)).toEqual(['rfc8414.jwks-uri']);
  });

  it('an empty required array fails rfc8414.required-array-non-empty', async () => {
    const member = aRequiredArrayMember();
    const report = await verifyFixture({ metadata: (correct) => ({ ...correct, [member]: [] }) });
    expect(failedRules(report)).toEqual(['rfc8414.required-array-non-empty']);
    expect(failures(report)[0]?.member).toBe(member);
  });

  it('a 404 for a wrong method fails contract.error-405', async () => {
    const report = await verifyFixture({
      intercept: (request, response) => {
        if (request.method !== 'POST') return false;
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'nope', timestamp: new Date(0).toISOString(), type: 'not_found' }));
        return true;
      },
    });
    expect(failedRules(report)).toEqual(['contract.error-405']);
  });

  it('an error body outside ApiErrorResponse fails contract.schema on that request', async () => {
    const report = await verifyFixture({
      intercept: (request, response) => {
        if (!request.url?.includes('does-not-exist')) return false;
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
        return true;
      },
    });
    expect(failedRules(report)).toEqual(['contract.schema']);
    expect(failures(report).every((result) => result.subject.startsWith('GET /.well-known/does-not-exist-'))).toBe(true);
  });

  it('a missing Cache-Control is a warning, not a failure', async () => {
    const report = await verifyFixture({ noCacheControl: true });
    expect(report.ok).toBe(true);
    expect(report.results.filter((result) => result.outcome === 'warn').map((result) => result.subject)).toEqual(documentSubjects());
    expect(report.results.filter((result) => result.outcome === 'warn').every((result) => result.rule === 'http.cache-control')).toBe(true);
  });
});

describe('verify checks every operation of the contract it is given', () => {
  /** A path no real operation will take. */
  const ADDED = '/.well-known/__verify-added-operation__';
  let extended: Contract;

  beforeAll(async () => {
    // Upstream-style, and declaring its 405 as the upstream Error: verify must expect that body there.
    const upstreamError = { $ref: '#/components/responses/DEFAULT_ERROR' };
    extended = await compiledContract(
      writeSpec((document) => {
        document.paths[ADDED] = {
          get: {
            responses: {
              200: { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/JWKS' } } } },
              405: upstreamError,
              default: upstreamError,
            },
          },
        };
      }),
    );
  });

  /** A correct deployment that also answers the added path: `document` on GET, `notAllowed` with 405 otherwise. */
  async function verifyAdded(document: unknown, notAllowed: unknown): Promise<Report> {
    const server = await startFixture({
      intercept: (request, response) => {
        if (request.url !== ADDED) return false;
        const [status, body] = request.method === 'GET' ? [200, document] : [405, notAllowed];
        response.writeHead(status, { 'content-type': 'application/json', allow: 'GET, HEAD, OPTIONS' }).end(JSON.stringify(body));
        return true;
      },
    });
    running.push(server);
    return verify(server.url, { contract: extended });
  }

  it('passes an added operation answered as its schemas say', async () => {
    const report = await verifyAdded({ keys: correctKeys() }, { code: 405, status: 'Method Not Allowed', message: 'no' });
    expect(failures(report)).toEqual([]);
    expect(report.results).toContainEqual(expect.objectContaining({ outcome: 'pass', rule: 'contract.schema', subject: `GET ${ADDED}` }));
    expect(report.results).toContainEqual(
      expect.objectContaining({ outcome: 'pass', rule: 'contract.error-405', subject: `POST ${ADDED}` }),
    );
  });

  it("fails the added operation's body against its 200 schema, and its 405 against the Error it declares", async () => {
    const apiError = { message: 'no', type: 'method_not_allowed', timestamp: new Date(0).toISOString() };
    const report = await verifyAdded({ keys: 'none' }, apiError);
    expect(failedRules(report)).toEqual(['contract.schema']);
    expect([...new Set(failures(report).map((result) => result.subject))]).toEqual([`GET ${ADDED}`, `POST ${ADDED}`, `DELETE ${ADDED}`]);
  });

  it('fails an added operation the deployment does not serve', async () => {
    const server = await startFixture();
    running.push(server);
    const report = await verify(server.url, { contract: extended });
    expect(failures(report)).toContainEqual(expect.objectContaining({ rule: 'contract.status', subject: `GET ${ADDED}` }));
  });
});

describe('verify against a deployment that answers a huge body', () => {
  /** 400 MB: what pushed an unbounded verify to 3 GB. Generated while it is sent, never held. */
  const HUGE = 400 * 1024 * 1024;

  /** Streams HUGE bytes as the JWKS (with or without Content-Length); records what each answer got written. */
  function hugeJwks(announce: boolean, sent: Array<{ bytes: number; closed: boolean }>): FixtureBreak {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    return {
      intercept: (request, response) => {
        if (request.url !== JWKS_PATH || request.method !== 'GET') return false;
        const record = { bytes: 0, closed: false };
        sent.push(record);
        response.writeHead(200, { 'content-type': 'application/json', ...(announce ? { 'content-length': String(HUGE) } : {}) });
        const pump = (): void => {
          while (record.bytes < HUGE && !response.destroyed) {
            record.bytes += chunk.length;
            if (!response.write(chunk)) return;
          }
          response.end();
        };
        response.on('drain', pump);
        response.on('close', () => (record.closed = true));
        pump();
        return true;
      },
    };
  }

  it.each([
    ['streamed without a length', false],
    ['with its length announced', true],
  ])('%s: reports http.body-size and reads no more than the bound', async (_case, announce) => {
    const sent: Array<{ bytes: number; closed: boolean }> = [];
    const report = await verifyFixture(hugeJwks(announce, sent));
    expect(failures(report)).toContainEqual(
      expect.objectContaining({ rule: 'http.body-size', subject: `GET ${JWKS_PATH}`, member: 'body' }),
    );
    expect(failures(report)).toContainEqual(
      expect.objectContaining({ rule: 'rfc8414.jwks-uri', evidence: expect.stringContaining('over 1048576 bytes') }),
    );
    expect(report.results).toContainEqual(
      expect.objectContaining({ outcome: 'pass', rule: 'http.body-size', subject: `GET ${METADATA_PATH}` }),
    );
    // verify stopped reading: each download was cut off far below the 400 MB offered (kernel buffers aside).
    expect(await eventually(() => sent.length > 0 && sent.every((record) => record.closed))).toBe(true);
    expect(sent.every((record) => record.bytes < 64 * 1024 * 1024)).toBe(true);
  });
});

describe('verify when it cannot run', () => {
  it('refuses a base URL that is not http(s) with a UsageError', async () => {
    await expect(verify('ftp://example.com', { contract })).rejects.toBeInstanceOf(UsageError);
  });

  it('throws a one-line UnreachableError when nothing listens', async () => {
    const server = await startServer(() => undefined);
    await server.close();
    const error: unknown = await verify(server.url, { contract }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: 'ERR_UNREACHABLE', name: 'UnreachableError' });
    expect((error as Error).message).toMatch(/connection refused \(ECONNREFUSED\)$/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('throws a one-line UnreachableError when the server does not answer in time', async () => {
    const server = await startServer(() => undefined);
    running.push(server);
    const error: unknown = await verify(server.url, { contract, timeoutMs: 100 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toContain('no answer within 100 ms');
  });
});
