/**
 * What the image test checks on running containers: the conditions the kernel applies to the container's process,
 * the served documents (the project's own `verify`, against openapi.json and the RFCs), a JWT verified by jose
 * against a replica's key set, and replicas serving the same bytes.
 */
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, importPKCS8, jwtVerify, SignJWT } from 'jose';
import { CommandError } from '../../src/errors.js';
import { verify, type Report } from '../../src/verify/verify.js';
import { podman } from './podman.js';

/** The conditions of a container's PID 1, as /proc shows them on the host. */
export interface ProcessConditions {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
  /** Effective capabilities, a hexadecimal mask (0 for none). */
  readonly capabilities: bigint;
  readonly noNewPrivileges: boolean;
  /** Seccomp mode: 2 is a filter (a profile) in force. */
  readonly seccomp: number;
  readonly readOnlyRoot: boolean;
  /** The command line. */
  readonly argv: readonly string[];
}

export async function processConditions(container: string): Promise<ProcessConditions> {
  const pid = (await podman(['inspect', '--format', '{{.State.Pid}}', container])).trim();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
  const root = readFileSync(`/proc/${pid}/mounts`, 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[1] === '/')
    .at(-1);
  return {
    uid: Number(field('Uid').split(/\s+/)[0]),
    gid: Number(field('Gid').split(/\s+/)[0]),
    groups: field('Groups').split(/\s+/).filter(Boolean).map(Number),
    capabilities: BigInt(`0x${field('CapEff')}`),
    noNewPrivileges: field('NoNewPrivs') === '1',
    seccomp: Number(field('Seccomp')),
    readOnlyRoot: root?.[3]?.split(',').includes('ro') ?? false,
    argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean),
  };
}

/** The project's `verify` against `issuer`; a report with a failure is thrown, naming each failed rule. */
export async function verifyDocuments(issuer: string): Promise<Report> {
  const report = await verify(issuer);
  const failed = report.results.filter((result) => result.outcome === 'fail');
  if (!report.ok)
    throw new CommandError(`verify ${issuer}:\n${failed.map((result) => `  FAIL ${result.rule} ${result.evidence}`).join('\n')}`);
  return report;
}

/** RFC 8414 §3: where an authorization server's metadata is. */
const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** A GET's body and ETag; anything but a 200 is thrown. */
export async function fetchDocument(url: string): Promise<{ body: string; etag: string | null }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  if (response.status !== 200) throw new CommandError(`GET ${url}: ${response.status} ${body.slice(0, 200)}`);
  return { body, etag: response.headers.get('etag') };
}

/** The issuer's metadata document: its `issuer` and `jwks_uri` (RFC 8414 §2), and the paths to compare replicas on. */
export async function discover(origin: string): Promise<{ issuer: string; jwksUri: string; paths: string[] }> {
  const metadata = JSON.parse((await fetchDocument(`${origin}${METADATA_PATH}`)).body) as { issuer: string; jwks_uri: string };
  return { issuer: metadata.issuer, jwksUri: metadata.jwks_uri, paths: [METADATA_PATH, new URL(metadata.jwks_uri).pathname] };
}

/** The kids of a JWKS document. */
export const kidsOf = (jwks: string): string[] => (JSON.parse(jwks) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);

/**
 * Signs a JWT with `privateKey` (PKCS#8 PEM) under `kid`, with the alg the JWKS at `jwksUri` publishes for that kid,
 * and verifies it with jose against that JWKS as a resource server would (issuer and audience checked). Resolves
 * with the alg; a token that does not verify is thrown.
 */
export async function signAndVerify(privateKey: string, kid: string, issuer: string, jwksUri: string): Promise<string> {
  const jwks = JSON.parse((await fetchDocument(jwksUri)).body) as { keys: Array<{ kid: string; alg?: string }> };
  const alg = jwks.keys.find((key) => key.kid === kid)?.alg;
  if (alg === undefined)
    throw new CommandError(`${jwksUri} publishes no alg for kid ${kid}: ${JSON.stringify(kidsOf(JSON.stringify(jwks)))}`);
  const audience = 'archera-image-test';
  const token = await new SignJWT({ scope: 'image-test' })
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(await importPKCS8(privateKey, alg));
  try {
    await jwtVerify(token, createRemoteJWKSet(new URL(jwksUri)), { issuer, audience, algorithms: [alg] });
  } catch (error) {
    throw new CommandError(`a JWT signed with kid ${kid} does not verify against ${jwksUri}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return alg;
}

/** Whether every origin answers `path` with the same bytes and ETag; throws naming the first difference. */
export async function sameEverywhere(origins: readonly string[], path: string): Promise<string> {
  const answers = await Promise.all(origins.map((origin) => fetchDocument(`${origin}${path}`)));
  const [first] = answers;
  answers.forEach((answer, index) => {
    if (answer.body !== first!.body || answer.etag !== first!.etag)
      throw new CommandError(`${origins[index]}${path} differs from ${origins[0]}${path}: ${answer.etag} vs ${first!.etag}`);
  });
  return first!.body;
}
