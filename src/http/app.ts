/**
 * The public application: the contract's operations and nothing else. Koa middleware, outermost first:
 * observe (request id; errors answered by the one error renderer, `errors.ts`; log line, metrics) → the router
 * built from the contract's operations, which sets the headers every answer carries (security, CORS), refuses bad
 * framing (Host, announced body) and answers with the operation's prebuilt, validated representation, or hands
 * the request to the run-time tier of the other operations (`operations.ts`).
 */
import Koa from 'koa';
import type { Contract } from '../contract/contract.js';
import type { PublishedDocuments } from '../documents/registry.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { CorsPolicy } from './cors.js';
import { errorAnswerer } from './errors.js';
import { observe, type DrainState } from './observe.js';
import type { OperationTier } from './operations.js';
import { contractRouter } from './router.js';

/** Everything the public application is built from. */
export interface PublicAppOptions {
  readonly contract: Contract;
  readonly documents: PublishedDocuments;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly drain: DrainState;
  readonly corsOrigins: '*' | readonly string[];
  /** Seconds for `Cache-Control: public, max-age=N`. */
  readonly cacheMaxAge: number;
  /** The run-time tier of the operations that are not documents (`operations.ts`); none when the contract has none. */
  readonly operations?: OperationTier | undefined;
}

/** The public application, and the flush of its request log (see `observe.ts`). */
export interface PublicApp {
  readonly koa: Koa;
  /** Writes the request lines and metrics recorded but not yet written. */
  readonly flushRequestLog: () => void;
}

/** Creates the public Koa application. */
export function createPublicApp(options: PublicAppOptions): PublicApp {
  const koa = new Koa();
  // Errors are rendered (errors.ts) and logged by observe; Koa's own stderr printing would log twice.
  koa.silent = true;
  const cors = new CorsPolicy(options.corsOrigins);
  const observer = observe(options.logger, options.metrics, options.drain, errorAnswerer(options.contract));
  koa.use(observer.middleware);
  koa.use(
    contractRouter(options.contract, {
      documents: options.documents,
      cors,
      cacheControl: `public, max-age=${options.cacheMaxAge}`,
      operations: options.operations,
    }),
  );
  return { koa, flushRequestLog: observer.flush };
}
