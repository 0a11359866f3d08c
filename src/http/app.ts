/**
 * The public application: the contract's two documents and nothing else. Layers, outermost first:
 * observe (request id, log line, metrics) → errors (ApiErrorResponse) → security headers → CORS → framing (Host,
 * announced body) → dispatch.
 *
 * Every layer below observe is synchronous (dispatch answers from prebuilt representations), so they run as one
 * synchronous call inside a single Koa middleware rather than as a chain of middleware promises: same order,
 * same headers, same error rendering, less work per request.
 */
import Koa from 'koa';
import type { Context } from 'koa';
import type { Contract } from '../contract/contract.js';
import type { PublishedDocuments } from '../documents/registry.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { CorsPolicy } from './cors.js';
import { dispatch } from './dispatch.js';
import { answeringErrors } from './errors.js';
import { checkFraming } from './framing.js';
import { observe, type DrainState } from './observe.js';
import { applySecurityHeaders } from './security-headers.js';

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
  // Errors are rendered and logged by the layers above; Koa's own stderr printing would log them twice.
  app.silent = true;
  const cors = new CorsPolicy(options.corsOrigins);
  const answer = dispatch(options.contract, {
    documents: options.documents,
    cors,
    cacheControl: `public, max-age=${options.cacheMaxAge}`,
  });
  app.use(
    observe(
      options.logger,
      options.metrics,
      options.drain,
      answeringErrors((ctx: Context): undefined => {
        applySecurityHeaders(ctx);
        cors.applySimple(ctx);
        checkFraming(ctx);
        return answer(ctx);
      }),
    ),
  );
  return app;
}
