/**
 * The public application: the contract's two documents and nothing else. Middleware order, outermost first:
 * observe (request id, log line, metrics) → errors (ApiErrorResponse) → security headers → CORS → dispatch.
 */
import Koa from 'koa';
import type { Contract } from '../contract/contract.js';
import type { PublishedDocuments } from '../contract/handlers.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { CorsPolicy } from './cors.js';
import { dispatch } from './dispatch.js';
import { errorMiddleware } from './errors.js';
import { observe, type DrainState } from './observe.js';
import { securityHeaders } from './security-headers.js';

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
}

/** Creates the public Koa application. */
export function createPublicApp(options: PublicAppOptions): Koa {
  const app = new Koa();
  // Errors are rendered and logged by the middleware above; Koa's own stderr printing would log them twice.
  app.silent = true;
  const cors = new CorsPolicy(options.corsOrigins);
  app.use(observe(options.logger, options.metrics, options.drain));
  app.use(errorMiddleware());
  app.use(securityHeaders());
  app.use(cors.middleware());
  app.use(
    dispatch(options.contract, {
      documents: options.documents,
      cors,
      cacheControl: `public, max-age=${options.cacheMaxAge}`,
    }),
  );
  return app;
}
