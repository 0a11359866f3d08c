/**
 * Test helpers for the key modules: keys generated at test time, temporary directories, a log capture and
 * polling. Nothing here asserts timing.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/logger.js';

/** Members of a private RSA JWK (RFC 7518 §6.3.2) that must never be published or logged. */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

/** A generated RSA key pair. */
export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function rsaKey(bits = 2048): TestKey {
  return generateKeyPairSync('rsa', { modulusLength: bits });
}

export function ecKey(): TestKey {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export const pkcs8 = (key: TestKey): string => key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
export const pkcs1 = (key: TestKey): string => key.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
export const spki = (key: TestKey): string => key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
export const pkcs1Public = (key: TestKey): string => key.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
export const privateJwk = (key: TestKey): Record<string, unknown> => ({ ...key.privateKey.export({ format: 'jwk' }) });
export const publicJwk = (key: TestKey): Record<string, unknown> => ({ ...key.publicKey.export({ format: 'jwk' }) });

/** A self-signed X.509 certificate for `key`, made by the openssl CLI. */
export function selfSignedCertificate(key: TestKey): string {
  const dir = mkdtempSync(join(tmpdir(), 'archera-cert-'));
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

/** Temporary directories, removed by {@link TempDirs.cleanup}. */
export class TempDirs {
  readonly #dirs: string[] = [];
  make(): string {
    const dir = mkdtempSync(join(tmpdir(), 'archera-keys-'));
    this.#dirs.push(dir);
    return dir;
  }
  cleanup(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A logger whose JSON lines are kept in `lines` (raw) and `records` (parsed). */
export function captureLogger(): { logger: Logger; lines: string[]; records: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter((line) => line.length > 0));
      callback();
    },
  });
  const logger = createLogger('debug', stream);
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** Polls `check` until it returns true, failing after `timeoutMs` (generous: this is not a timing assertion). */
export async function waitFor(check: () => boolean, description: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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
