/**
 * Configuration: every setting, its default and why, parsed once at startup into a frozen {@link Config}.
 *
 * Settings come from the environment. An invalid value, or an unknown variable in one of this service's
 * families (`KEYS_*`, `METADATA_*`, `CACHE_*`, `CORS_*`, `ADMIN_*`, `SHUTDOWN_*`, `ISSUER_*`, e.g. a
 * misspelled `KEYS_DIRECTORY`), stops the boot with a {@link ConfigError} that lists every problem, each naming
 * its setting.
 */
import { ConfigError } from './errors.js';

/** Signing algorithms a published key may carry (RFC 7518 §3.1, RSA only: the contract's JWK requires n and e). */
export const KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
/** One of {@link KEY_ALGORITHMS}. */
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** pino levels accepted by `LOG_LEVEL`. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The parsed, frozen configuration. */
export interface Config {
  /** `PORT`: public listener port; 0 picks a free one. Default 3000. */
  readonly port: number;
  /** `HOST`: public listener address. Default `0.0.0.0`, so containers are reachable. */
  readonly host: string;
  /**
   * `ISSUER`: the RFC 8414 issuer. Unset: `http://localhost:<port>` with the port the public listener bound
   * (development only), built by `issuerOf` in `src/metadata/metadata.ts`.
   */
  readonly issuer: string | undefined;
  /** `KEYS_DIR`: directory of keys. Unset: the embedded development key in `.dev-keys/`. */
  readonly keysDir: string | undefined;
  /** `KEYS_DEFAULT_ALG`: `alg` for keys that do not name one. Default RS256, which every JOSE library supports. */
  readonly keysDefaultAlg: KeyAlgorithm;
  /**
   * `KEYS_RESCAN_INTERVAL_MS`: periodic rescan of `KEYS_DIR`, the fallback when file watching misses a change
   * (network filesystems, some Kubernetes volume swaps). Default 1000, so a change shows within 2 s.
   */
  readonly keysRescanIntervalMs: number;
  /** `METADATA_FILE`: JSON object of OAuthMetadata members that replace the derived defaults. */
  readonly metadataFile: string | undefined;
  /**
   * `CACHE_MAX_AGE`: seconds clients and CDNs may cache both documents. Default 300: key rotation publishes the
   * next key well ahead of use (docs/keys.md, rotation runbook), so five minutes of staleness costs nothing while it removes almost
   * all load; ETags make revalidation after expiry cheap.
   */
  readonly cacheMaxAge: number;
  /** `CORS_ORIGINS`: `*` (default; public documents fetched without credentials) or a comma-separated origin list. */
  readonly corsOrigins: '*' | readonly string[];
  /** `ADMIN_PORT`: operational listener (`/healthz`, `/readyz`, `/metrics`). Default 9090. */
  readonly adminPort: number;
  /**
   * `ADMIN_HOST`: operational listener address. Default `127.0.0.1`: `/metrics` shows the Node version, memory, file
   * descriptors and request counts, so it is reachable from the machine itself only unless a deployment opens it
   * (the Kubernetes manifests set it, and a NetworkPolicy admits the scraper).
   */
  readonly adminHost: string;
  /**
   * `MAX_CONNECTIONS`: open connections the public listener accepts; beyond it the oldest idle keep-alive one is
   * closed to admit a new one, or the new one is closed at once when none is idle, and either is counted. Default 5000, sized for the pod's 400Mi memory limit (deploy/kubernetes/deployment.yaml): a
   * connection costs about 9 KiB idle and up to about 24 KiB while it holds an incomplete 16 KiB request head, so
   * 5000 of the worst kind (about 120 MB) plus the ~120 MiB the service holds at its peak under sustained load stays
   * well inside the limit. Raise it together with the memory limit.
   */
  readonly maxConnections: number;
  /** `LOG_LEVEL`: pino level. Default `info`, which logs one line per request. */
  readonly logLevel: LogLevel;
  /**
   * `SHUTDOWN_TIMEOUT_MS`: upper bound from SIGTERM to exit. Default 10000: in-flight requests here take
   * microseconds, so the budget is for clients still holding keep-alive connections; it stays well under
   * Kubernetes' default 30 s grace period.
   */
  readonly shutdownTimeoutMs: number;
}

/** Environment variables this service reads, with their documented defaults. */
const SETTINGS = [
  'PORT',
  'HOST',
  'ISSUER',
  'KEYS_DIR',
  'KEYS_DEFAULT_ALG',
  'KEYS_RESCAN_INTERVAL_MS',
  'METADATA_FILE',
  'CACHE_MAX_AGE',
  'CORS_ORIGINS',
  'ADMIN_PORT',
  'ADMIN_HOST',
  'MAX_CONNECTIONS',
  'LOG_LEVEL',
  'SHUTDOWN_TIMEOUT_MS',
] as const;
/** One of {@link SETTINGS}. */
export type SettingName = (typeof SETTINGS)[number];

/** Prefixes of the setting families; an unknown variable with one of them is reported as a likely typo. */
const FAMILIES = ['KEYS_', 'KEY_', 'METADATA_', 'CACHE_', 'CORS_', 'ADMIN_', 'SHUTDOWN_', 'ISSUER_'] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Collects problems while reading settings, so that all of them are reported at once. */
class SettingsReader {
  readonly problems: string[] = [];
  /** The settings whose value was refused, so their fallback stands in for them. */
  readonly refused = new Set<SettingName>();
  constructor(private readonly env: Env) {}

  refuse(name: SettingName, problem: string): void {
    this.refused.add(name);
    this.problems.push(`${name}: ${problem}`);
  }

  raw(name: SettingName): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  integer(name: SettingName, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.refuse(name, `"${value}" is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(name: SettingName, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = allowed.find((candidate) => candidate === value);
    if (match === undefined) {
      this.refuse(name, `"${value}" is not one of ${allowed.join(', ')}`);
      return fallback;
    }
    return match;
  }

  origins(name: SettingName): '*' | readonly string[] {
    const value = this.raw(name);
    if (value === undefined || value === '*') return '*';
    const origins: string[] = [];
    for (const item of value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0)) {
      const url = URL.parse(item);
      const origin = url !== null && (url.protocol === 'https:' || url.protocol === 'http:') ? url.origin : undefined;
      if (origin !== item.replace(/\/$/, '')) {
        this.refuse(name, `"${item}" is not an origin such as https://app.example.com (scheme, host, port only)`);
      } else if (!origins.includes(origin)) {
        origins.push(origin);
      }
    }
    if (origins.length === 0 && !this.refused.has(name)) this.refuse(name, 'lists no origin; use * or a comma-separated list');
    return Object.freeze(origins);
  }

  unknownInFamilies(): void {
    const known: readonly string[] = SETTINGS;
    for (const name of Object.keys(this.env).sort()) {
      if (!known.includes(name) && FAMILIES.some((family) => name.startsWith(family))) {
        this.problems.push(`${name}: unknown setting (known settings: ${SETTINGS.join(', ')})`);
      }
    }
  }
}

/**
 * The environment as read: the configuration (a refused value replaced by its default, so that every other
 * setting can still be judged), every problem found, and which settings were refused.
 */
export interface ConfigReading {
  readonly config: Config;
  /** One line per problem, each starting with the setting it names (`PORT: "abc" is not …`). */
  readonly problems: readonly string[];
  /** Settings whose value was refused: `config` holds their default, which says nothing about the deployment. */
  readonly refused: ReadonlySet<SettingName>;
}

/**
 * Reads the configuration from `env` without throwing: every problem is in the result. The boot and `--check`
 * go on from here to judge what depends on the settings (`KEYS_DIR`, `METADATA_FILE`, the issuer), so that one
 * {@link ConfigError} lists everything wrong at once.
 */
export function readConfig(env: Env = process.env): ConfigReading {
  const read = new SettingsReader(env);
  const port = read.integer('PORT', 3000, 0, 65535);
  const host = read.raw('HOST') ?? '0.0.0.0';
  const adminPort = read.integer('ADMIN_PORT', 9090, 0, 65535);
  if (adminPort !== 0 && adminPort === port) read.refuse('ADMIN_PORT', `${adminPort} is also PORT; the admin listener needs its own port`);
  const config: Config = {
    port,
    host,
    issuer: read.raw('ISSUER'),
    keysDir: read.raw('KEYS_DIR'),
    keysDefaultAlg: read.oneOf('KEYS_DEFAULT_ALG', KEY_ALGORITHMS, 'RS256'),
    keysRescanIntervalMs: read.integer('KEYS_RESCAN_INTERVAL_MS', 1000, 100, 60_000),
    metadataFile: read.raw('METADATA_FILE'),
    cacheMaxAge: read.integer('CACHE_MAX_AGE', 300, 0, 31_536_000),
    corsOrigins: read.origins('CORS_ORIGINS'),
    adminPort,
    adminHost: read.raw('ADMIN_HOST') ?? '127.0.0.1',
    maxConnections: read.integer('MAX_CONNECTIONS', 5000, 1, 1_000_000),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
  };
  read.unknownInFamilies();
  return { config: Object.freeze(config), problems: read.problems, refused: read.refused };
}

/**
 * Reads the configuration from `env`. Throws a {@link ConfigError} listing every problem of the environment
 * when any setting is invalid or unknown (for what depends on the settings too, see {@link readConfig}). The
 * result is frozen.
 */
export function loadConfig(env: Env = process.env): Config {
  const reading = readConfig(env);
  if (reading.problems.length > 0) throw new ConfigError(reading.problems);
  return reading.config;
}
