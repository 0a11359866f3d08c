/**
 * How this machine's npm reaches the registry, handed to the Dockerfile's `npm ci` as its two optional build
 * secrets (never a build argument, which the image's history would keep): `npmrc`, the registry and proxy settings
 * npm resolves here, and `ca`, the CA bundle Node or npm is told to trust here (a proxy that re-signs TLS needs
 * it). Only settings are copied, never credentials; none of it is written into the project.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** npm settings that decide where and how `npm ci` connects. */
const SETTINGS = ['registry', 'proxy', 'https-proxy', 'noproxy', 'strict-ssl'];

/** The build's secret flags, the files they pass (by secret id), and a line saying what they carry. */
export interface RegistryAccess {
  readonly secretFlags: readonly string[];
  readonly files: Readonly<Record<string, string>>;
  readonly description: string;
}

/** Writes the `npmrc` secret into `dir` (mode 0600) and names the CA bundle; `env` is this process's. */
export function registryAccess(dir: string, env: NodeJS.ProcessEnv = process.env): RegistryAccess {
  const config = JSON.parse(execFileSync('npm', ['config', 'list', '--json'], { encoding: 'utf8' })) as Record<string, unknown>;
  const lines = Object.entries(config)
    .filter(([key]) => SETTINGS.includes(key) || key.endsWith(':registry'))
    .map(([key, value]) => [key, Array.isArray(value) ? value.filter(Boolean).join(',') : value] as const)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${String(value)}`);
  const npmrc = join(dir, 'npmrc');
  writeFileSync(npmrc, `${lines.join('\n')}\n`, { mode: 0o600 });
  const ca = [env.NODE_EXTRA_CA_CERTS, config.cafile].find((file): file is string => typeof file === 'string' && existsSync(file));
  const files: Record<string, string> = ca === undefined ? { npmrc } : { npmrc, ca };
  return {
    secretFlags: Object.entries(files).flatMap(([id, file]) => ['--secret', `id=${id},src=${file}`]),
    files,
    description: `npm settings (${lines.map((line) => line.split('=')[0]).join(', ')})${ca === undefined ? '' : ` and the CA bundle ${ca}`}`,
  };
}
