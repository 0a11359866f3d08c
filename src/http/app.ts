/**
 * The public application: the contract's operations and nothing else. The front (`front.ts`), a plain `node:http`
 * listener, answers the documents it can; every other request goes to Koa, middleware outermost first: observe
 * (request id; errors answered by the one error renderer, `errors.ts`; log line, metrics) → the router built from
 * the contract's operations, which sets the headers every answer carries (security, CORS), refuses bad framing
 * (Host, announced body) and answers 404, 405, OPTIONS and the errors documents stand for, or hands the request to
 * the run-time tier of the other operations (`operations.ts`). Both record a request through one observer.
 */
import Koa from 'koa';
import type { Contract } from '../contract/contract.js';
import type { PublishedDocuments } from '../documents/registry.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { CorsPolicy } from './cors.js';
import { errorAnswerer } from './errors.js';
import type { RequestListener } from './connections.js';
import { documentFront } from './front.js';
import { observe, requestObserver, type DrainState } from './observe.js';
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

/** Creates the public application's request listener. */
export function createPublicApp(options: PublicAppOptions): RequestListener {
  const { contract, documents, drain } = options;
  const koa = new Koa();
  // Errors are rendered (errors.ts) and logged by observe; Koa's own stderr printing would log twice.
  koa.silent = true;
  const cors = new CorsPolicy(options.corsOrigins);
  const record = requestObserver(options.logger, options.metrics);
  koa.use(observe(record, drain, errorAnswerer(contract)));
  koa.use(contractRouter(contract, { documents, cors, operations: options.operations }));
  const cacheControl = `public, max-age=${options.cacheMaxAge}`;
  return documentFront({ contract, documents, cors, cacheControl, drain, record, next: koa.callback() });
}
