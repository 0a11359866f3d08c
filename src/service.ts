/**
 * Composition of the service: the contract, the handlers (keys and metadata), the public and admin listeners,
 * and the shutdown sequence. `main.ts` runs it as a process; tests start it in-process on port 0.
 *
 * Startup order: the contract and the keys, then the public port is bound, then (without awaiting anything, so
 * no request on that port is read before its documents exist) the issuer and the metadata are resolved for the
 * bound port, the documents built and the application attached; the admin port is bound last.
 */
import type { Config } from './config.js';
import { keysDirProblem, servedContract, type ReviewOptions } from './config-review.js';
import type { Contract } from './contract/contract.js';
import { registerHandlers } from './documents/handlers.js';
import { bindHandlers, type PublishedDocuments } from './documents/registry.js';
import type { DocumentEvent } from './documents/representation.js';
import { ConfigError, KeysDirError } from './errors.js';
import { createAdminApp } from './http/admin.js';
import { createPublicApp } from './http/app.js';
import { listen } from './http/listen.js';
import { observeTransport } from './http/observe.js';
import type { OperationTier } from './http/operations.js';
import { answerWith, createLimitedServer, drain, type ServerLimits } from './http/server.js';
import { defaultKeysDir, ensureDevKeysDir } from './keys/dev-key.js';
import { KeyStore } from './keys/key-store.js';
import { checkMetadata, resolveMetadata, type OAuthMetadata } from './metadata/metadata.js';
import { silentLogger, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';

/** Options that are not configuration: injection points for tests and tools. */
export interface ServiceOptions extends ReviewOptions {
  readonly logger?: Logger;
  /** Log lines dropped so far because the log's reader was behind, for `log_lines_dropped_total` (`log-output.ts`). */
  readonly droppedLogLines?: () => number;
  /** Replaces some server limits of both listeners (tests use small timeouts); default `SERVER_LIMITS`. */
  readonly serverLimits?: Partial<ServerLimits>;
}

/** A running service. */
export interface RunningService {
  /** Base URL of the public listener, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Base URL of the admin listener. */
  readonly adminUrl: string;
  readonly keys: KeyStore;
  /** The metadata served, resolved for the bound port. */
  readonly metadata: OAuthMetadata;
  readonly documents: PublishedDocuments;
  readonly metrics: Metrics;
  /** Drains and stops both listeners (see `drain`); resolves when everything is closed. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Opens the key store of `keysDir`. Without `KEYS_DIR`, the development directory gets a key first when it has
 * none, and that is logged once. When the directory is refused the boot stops, so the metadata is judged too (for
 * `PORT`) and every configuration problem of both is thrown in one {@link ConfigError}, as `--check` lists them
 * (`src/config-review.ts`).
 */
async function openKeys(config: Config, contract: Contract, keysDir: string, logger: Logger): Promise<KeyStore> {
  try {
    // Only the embedded default ever generates a key: an explicit KEYS_DIR that is missing must fail loudly,
    // not be hidden by a fresh key that no signer uses.
    if (config.keysDir === undefined) {
      const generated = await ensureDevKeysDir(keysDir);
      if (generated !== undefined) {
        logger.warn(
          { dir: keysDir, kid: generated.kid, file: generated.file },
          'KEYS_DIR is not set: generated a development key (for development only; set KEYS_DIR in production)',
        );
      }
    }
    return await KeyStore.open({ dir: keysDir, defaultAlg: config.keysDefaultAlg, rescanIntervalMs: config.keysRescanIntervalMs, logger });
  } catch (error) {
    if (!(error instanceof KeysDirError)) throw error;
    throw new ConfigError([keysDirProblem(config, error), ...checkMetadata(config, contract, config.port).problems]);
  }
}

/**
 * The run-time tier of `contract`'s operations that are not documents, prepared (openapi-backend initialised) and
 * waiting for their handlers, or `undefined` when it has none: only then is the tier's module, and openapi-backend
 * with it, loaded, so a contract of documents starts and serves without it.
 */
async function prepareOperations(contract: Contract): Promise<((handlers: PublishedDocuments['operations']) => OperationTier) | undefined> {
  if (!contract.operations.some((operation) => operation.kind === 'operation')) return undefined;
  return (await import('./http/operations.js')).prepareOperationTier(contract);
}

/**
 * Builds every document from its handler before anything listens, with the metadata as it would be for the
 * configured `PORT` (as `--check` does), and drops them: a document that never changes and does not validate
 * refuses the boot here ({@link bindHandlers}). Problems of the metadata itself are left to its resolution for
 * the bound port, which names them.
 */
function checkDocuments(config: Config, contract: Contract, keys: KeyStore): void {
  const metadata = checkMetadata(config, contract, config.port).metadata;
  if (metadata !== undefined) bindHandlers(contract, registerHandlers({ keys, metadata }), () => undefined).close();
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
        // The source says why, once (the key store: "no valid key in the keys directory…"); here only for debugging.
        logger.debug({ operation: event.operationId, code: event.error.code }, event.error.message);
        return;
    }
  };
}

/** Time idle keep-alive connections are left open after SIGTERM, so requests already sent are answered. */
function idleGraceMs(shutdownTimeoutMs: number): number {
  return Math.min(1000, Math.floor(shutdownTimeoutMs / 2));
}

/** Loads the contract, opens the keys, binds both listeners and starts serving. */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? silentLogger();
  // A declared error schema the server cannot render stops the boot before anything is opened or bound.
  const contract = servedContract(options);
  const bindOperations = await prepareOperations(contract);
  const keysDir = config.keysDir ?? options.devKeysDir ?? defaultKeysDir();
  const keys = await openKeys(config, contract, keysDir, logger);
  try {
    checkDocuments(config, contract, keys);
  } catch (error) {
    keys.close();
    throw error;
  }
  const metrics = createMetrics({ keys: () => keys.stats, droppedLogLines: options.droppedLogLines });
  const drainState = { draining: false };
  const limits = options.serverLimits ?? {};
  const publicServer = createLimitedServer({
    limits,
    maxConnections: config.maxConnections,
    appChecksHost: true,
    events: observeTransport(logger, metrics),
  });
  let port: number;
  try {
    port = await listen(publicServer, config.port, config.host, { port: 'PORT', host: 'HOST' });
  } catch (error) {
    keys.close();
    throw error;
  }
  // Nothing below awaits until the application is attached: Node reads no request in between, so none is
  // answered before its document exists.
  let metadata: OAuthMetadata;
  let documents: PublishedDocuments;
  let operations: OperationTier | undefined;
  try {
    metadata = resolveMetadata(config, contract, port);
    documents = bindHandlers(contract, registerHandlers({ keys, metadata }), documentEvents(logger, metrics));
    operations = bindOperations?.(documents.operations);
  } catch (error) {
    publicServer.close();
    keys.close();
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
    operations,
  });
  answerWith(publicServer, app, operations?.readsBody);
  metrics.countConnections(
    () => new Promise((resolve) => publicServer.getConnections((error, count) => resolve(error === null ? count : 0))),
  );
  // The admin listener is private (ADMIN_HOST): its malformed requests are logged, not counted as public traffic.
  const adminServer = createLimitedServer({ limits, events: observeTransport(logger) });
  answerWith(adminServer, createAdminApp(documents, metrics, drainState, [() => keys.staleness()]).callback());
  let adminPort: number;
  try {
    adminPort = await listen(adminServer, config.adminPort, config.adminHost, { port: 'ADMIN_PORT', host: 'ADMIN_HOST' });
  } catch (error) {
    void drain(publicServer, 0, 0);
    documents.close();
    keys.close();
    throw error;
  }

  const hostForUrl = (host: string): string =>
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      drainState.draining = true;
      logger.info({ timeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining connections');
      await drain(publicServer, idleGraceMs(config.shutdownTimeoutMs), config.shutdownTimeoutMs);
      documents.close();
      keys.close();
      await drain(adminServer, 0, 0);
      logger.info('shut down');
    })();
    return stopping;
  };
  logger.info({ port, adminPort, host: config.host, adminHost: config.adminHost, keysDir, issuer: metadata.issuer }, 'listening');
  return {
    keys,
    metadata,
    documents,
    metrics,
    url: `http://${hostForUrl(config.host)}:${port}`,
    adminUrl: `http://${hostForUrl(config.adminHost)}:${adminPort}`,
    shutdown,
  };
}
