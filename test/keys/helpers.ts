/**
 * Test helpers for the key modules: keys generated at test time, temporary directories, a log capture and
 * polling. Nothing here asserts timing.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { tempDir, type TestKey } from '../support/keys.js';
import { eventually } from '../support/http.js';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Members of a private RSA JWK (RFC 7518 §6.3.2) that must never be published or logged. */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

export { rsaKey, type TestKey } from '../support/keys.js';
export { captureLogger } from '../support/logs.js';

/** A P-256 key pair, for the non-RSA refusals. */
export function ecKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

export const pkcs8 = (key: TestKey): string => key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
export const pkcs1 = (key: TestKey): string => key.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
export const spki = (key: TestKey): string => key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
export const pkcs1Public = (key: TestKey): string => key.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
export const privateJwk = (key: TestKey): Record<string, unknown> => ({ ...key.privateKey.export({ format: 'jwk' }) });
export const publicJwk = (key: TestKey): Record<string, unknown> => ({ ...key.publicKey.export({ format: 'jwk' }) });

/** A self-signed X.509 certificate for `key`, made by the openssl CLI. */
export function selfSignedCertificate(key: TestKey): string {
  const dir = tempDir('archera-cert-');
  try {
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, pkcs8(key), { mode: 0o600 });
    return execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=archera-test', '-days', '1'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Temporary directories, removed by {@link TempDirs.cleanup} (and after the test file in any case: see `tempDir`). */
export class TempDirs {
  readonly #dirs: string[] = [];
  make(): string {
    const dir = tempDir('archera-keys-');
    this.#dirs.push(dir);
    return dir;
  }
  cleanup(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns true, failing after `timeoutMs` (by default eventually's generous ceiling). */
export async function waitFor(check: () => boolean, description: string, timeoutMs?: number): Promise<void> {
  if (!(await eventually(check, timeoutMs))) throw new Error(`timed out waiting for ${description}`);
}

/** Every private member name found anywhere in `value`, with its path. */
export function privateMembersIn(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => privateMembersIn(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([name, member]) => [
    ...((PRIVATE_MEMBERS as readonly string[]).includes(name) ? [`${path}.${name}`] : []),
    ...privateMembersIn(member, `${path}.${name}`),
  ]);
}

/** The members a published key has, in order. */
export const PUBLISHED_MEMBERS = ['kty', 'use', 'kid', 'alg', 'n', 'e'];
