/**
 * Composition of the service: the contract, the handlers (keys and metadata), the public and admin listeners,
 * and the shutdown sequence. `main.ts` runs it as a process; tests start it in-process on port 0.
 */
import type { Config } from './config.js';
import { Contract } from './contract/contract.js';
import { valueSource } from './contract/document-source.js';
import { bindHandlers, type Handlers, type PublishedDocuments } from './contract/handlers.js';
import type { DocumentEvent } from './contract/representation.js';
import { ConfigError, KeysDirError } from './errors.js';
import { createAdminApp } from './http/admin.js';
import { createPublicApp } from './http/app.js';
import { listen } from './http/listen.js';
import { observeTransport } from './http/observe.js';
import { createLimitedServer, drain, type ServerLimits } from './http/server.js';
import { defaultKeysDir, ensureDevKeysDir } from './keys/dev-key.js';
import { KeyStore } from './keys/key-store.js';
import { resolveMetadata, type OAuthMetadata } from './metadata/metadata.js';
import { silentLogger, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';

/** Options that are not configuration: injection points for tests and tools. */
export interface ServiceOptions {
  readonly logger?: Logger;
  /** The contract file; default the project's `openapi.json`. */
  readonly specFile?: string;
  /** Where the embedded development key lives when `KEYS_DIR` is unset; default `<project>/.dev-keys`. */
  readonly devKeysDir?: string;
  /** Replaces some server limits of both listeners (tests use small timeouts); default `SERVER_LIMITS`. */
  readonly serverLimits?: Partial<ServerLimits>;
}

/** The validated inputs of the service, before anything listens. */
export interface PreparedService {
  readonly contract: Contract;
  readonly keys: KeyStore;
  /** The directory keys are read from (`KEYS_DIR`, or the embedded development directory). */
  readonly keysDir: string;
  readonly metadata: OAuthMetadata;
  close(): void;
}

/** A running service. */
export interface RunningService extends PreparedService {
  /** Base URL of the public listener, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Base URL of the admin listener. */
  readonly adminUrl: string;
  readonly documents: PublishedDocuments;
  readonly metrics: Metrics;
  /** Drains and stops both listeners (see `drain`); resolves when everything is closed. Idempotent. */
  shutdown(): Promise<void>;
}

/** The contract, the metadata and the keys (as `open` made them) of a configuration, all validated. */
export interface ServiceInputs<K> {
  readonly contract: Contract;
  readonly metadata: OAuthMetadata;
  readonly keys: K;
}

/** How {@link loadServiceInputs} gets the keys: `open` them from a directory, `close` them if the rest fails. */
export interface KeysLoader<K> {
  open(dir: string): Promise<K>;
  close?(keys: K): void;
}

/**
 * Loads the contract, then opens the keys of `keysDir` and resolves the metadata, collecting every configuration
 * problem of both (keys directory, issuer, metadata file) into one {@link ConfigError}; a contract problem is a
 * `SpecError`. The server opens a key store, `--check` scans once: both judge the same way.
 */
export async function loadServiceInputs<K>(
  config: Config,
  specFile: string | undefined,
  keysDir: string,
  loader: KeysLoader<K>,
): Promise<ServiceInputs<K>> {
  const contract = await Contract.load(specFile);
  const problems: string[] = [];
  let keys: { readonly value: K } | undefined;
  try {
    keys = { value: await loader.open(keysDir) };
  } catch (error) {
    if (!(error instanceof KeysDirError)) throw error;
    problems.push(`KEYS_DIR: ${error.message}`);
  }
  let metadata: OAuthMetadata | undefined;
  try {
    metadata = resolveMetadata(config, contract);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (keys === undefined || metadata === undefined) {
    if (keys !== undefined) loader.close?.(keys.value);
    throw new ConfigError(problems);
  }
  return { contract, metadata, keys: keys.value };
}

/**
 * Loads the contract, the keys and the metadata, and validates all of them (see {@link loadServiceInputs}).
 * Without `KEYS_DIR`, the development directory gets a key first when it has none, and that is logged once.
 */
export async function prepareService(config: Config, options: ServiceOptions = {}): Promise<PreparedService> {
  const logger = options.logger ?? silentLogger();
  // Only the embedded default ever generates a key: an explicit KEYS_DIR that is missing must fail loudly,
  // not be hidden by a fresh key that no signer uses.
  let keysDir = config.keysDir;
  if (keysDir === undefined) {
    const dev = await ensureDevKeysDir(options.devKeysDir ?? defaultKeysDir());
    keysDir = dev.dir;
    if (dev.generated !== undefined) {
      logger.warn(
        { dir: dev.dir, kid: dev.generated.kid, file: dev.generated.file },
        'KEYS_DIR is not set: generated a development key (for development only; set KEYS_DIR in production)',
      );
    }
  }
  const { contract, metadata, keys } = await loadServiceInputs(config, options.specFile, keysDir, {
    open: (dir) => KeyStore.open({ dir, defaultAlg: config.keysDefaultAlg, rescanIntervalMs: config.keysRescanIntervalMs, logger }),
    close: (store) => store.close(),
  });
  return { contract, keys, keysDir, metadata, close: () => keys.close() };
}

/** Logs document rebuilds and counts rejected ones. */
function documentEvents(logger: Logger, metrics: Metrics): (event: DocumentEvent) => void {
  return (event) => {
    switch (event.kind) {
      case 'published':
        logger.info({ operation: event.operationId, etag: event.etag, bytes: event.bytes }, 'document published');
        return;
      case 'rejected':
        metrics.documentRejected(event.operationId);
        logger.error(
          { operation: event.operationId, problems: event.problems, keptPrevious: event.kept },
          'document build rejected: it does not validate against openapi.json',
        );
        return;
      case 'unavailable':
        logger.error({ operation: event.operationId, code: event.error.code }, event.error.message);
        return;
    }
  };
}

/** Time idle keep-alive connections are left open after SIGTERM, so requests already sent are answered. */
function idleGraceMs(shutdownTimeoutMs: number): number {
  return Math.min(1000, Math.floor(shutdownTimeoutMs / 2));
}

/** Prepares the service, binds both listeners and starts serving. */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? silentLogger();
  const prepared = await prepareService(config, { ...options, logger });
  const { contract, keys } = prepared;
  const metrics = createMetrics(() => keys.stats);
  const drainState = { draining: false };
  const metadataSource = valueSource(prepared.metadata);
  const handlers: Handlers = {
    getWellKnownJwksJson: keys,
    getWellKnownOauthAuthorizationServer: metadataSource,
  };
  let documents: PublishedDocuments;
  try {
    documents = bindHandlers(contract, handlers, documentEvents(logger, metrics));
  } catch (error) {
    prepared.close();
    throw error;
  }
  const app = createPublicApp({
    contract,
    documents,
    logger,
    metrics,
    drain: drainState,
    corsOrigins: config.corsOrigins,
    cacheMaxAge: config.cacheMaxAge,
  });
  const limits = options.serverLimits ?? {};
  const publicServer = createLimitedServer(app.callback(), {
    limits,
    maxConnections: config.maxConnections,
    appChecksHost: true,
    events: observeTransport(logger, metrics),
  });
  metrics.countConnections(
    () => new Promise((resolve) => publicServer.getConnections((error, count) => resolve(error === null ? count : 0))),
  );
  // The admin listener is private (ADMIN_HOST): its malformed requests are logged, not counted as public traffic.
  const adminServer = createLimitedServer(createAdminApp(documents, metrics, drainState, [() => keys.staleness()]).callback(), {
    limits,
    events: observeTransport(logger),
  });
  let port: number;
  let adminPort: number;
  try {
    port = await listen(publicServer, config.port, config.host, { port: 'PORT', host: 'HOST' });
    adminPort = await listen(adminServer, config.adminPort, config.adminHost, { port: 'ADMIN_PORT', host: 'ADMIN_HOST' });
  } catch (error) {
    publicServer.close();
    documents.close();
    prepared.close();
    throw error;
  }
  // The default issuer follows the port actually bound, so PORT=0 still yields a self-consistent document.
  if (!config.issuerExplicit && config.port === 0) {
    metadataSource.set(resolveMetadata(config, contract, `http://localhost:${port}`));
  }
  const metadata = metadataSource.current();

  const hostForUrl = (host: string): string =>
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      drainState.draining = true;
      logger.info({ timeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining connections');
      await drain(publicServer, idleGraceMs(config.shutdownTimeoutMs), config.shutdownTimeoutMs);
      documents.close();
      prepared.close();
      adminServer.close();
      adminServer.closeAllConnections();
      logger.info('shut down');
    })();
    return stopping;
  };
  logger.info(
    {
      port,
      adminPort,
      host: config.host,
      adminHost: config.adminHost,
      keysDir: prepared.keysDir,
      issuer: metadata.issuer,
      contract: contract.source,
    },
    'listening',
  );
  return {
    ...prepared,
    metadata,
    documents,
    metrics,
    url: `http://${hostForUrl(config.host)}:${port}`,
    adminUrl: `http://${hostForUrl(config.adminHost)}:${adminPort}`,
    shutdown,
  };
}
