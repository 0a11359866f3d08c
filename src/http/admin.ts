/**
 * The admin listener, on its own port so the public port serves exactly the contract: liveness, readiness
 * (for Kubernetes probes) and Prometheus metrics.
 */
import Router from '@koa/router';
import Koa from 'koa';
import type { PublishedDocuments } from '../documents/registry.js';
import type { Metrics } from '../observability/metrics.js';
import type { DrainState } from './observe.js';

/** A further readiness condition: why the service is not ready, or `undefined` (e.g. the key set's staleness). */
export type ReadinessCheck = () => string | undefined;

/**
 * Why the service is not ready, or an empty list when it is: it is draining, a document has no valid
 * representation, or one of `checks` objects. Liveness (`/healthz`) depends on none of these: restarting cannot
 * fix a bad key or a broken volume, and a pod that answers is alive.
 */
function readinessProblems(documents: PublishedDocuments, drain: DrainState, checks: readonly ReadinessCheck[] = []): string[] {
  const problems: string[] = [];
  if (drain.draining) problems.push('shutting down');
  for (const document of documents.all) {
    const state = document.state;
    if (!state.ok) problems.push(`${document.operationId}: ${state.error.message}`);
  }
  for (const check of checks) {
    const problem = check();
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

/** Creates the admin application: `/healthz`, `/readyz`, `/metrics`. */
export function createAdminApp(
  documents: PublishedDocuments,
  metrics: Metrics,
  drain: DrainState,
  checks: readonly ReadinessCheck[] = [],
): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', (ctx) => {
    const problems = readinessProblems(documents, drain, checks);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = problems.length === 0 ? 200 : 503;
    ctx.body = problems.length === 0 ? { status: 'ready' } : { status: 'not ready', reasons: problems };
  });
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
