/**
 * The bench's idiomatic Koa baseline: ours's features written plainly, as a Koa service usually is. `@koa/router`
 * routes; per request a random id (`crypto.randomUUID()`), one pino line (pino's default synchronous stdout) and
 * one prom-client `Histogram` observation by route, method and status; the response headers set with `ctx.set`,
 * the document handed to Koa as an object to serialise, and conditional GET by Koa's `ctx.fresh`; prom-client's
 * default metrics on `/metrics` of an admin port. It answers ours's captured responses (`servers/responses.js`).
 * Usage: PORT=… ADMIN_PORT=… BENCH_RESPONSES=… node scripts/bench/servers/koa-idiomatic.js
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import Router from '@koa/router';
import Koa from 'koa';
import { pino } from 'pino';
import { Histogram, collectDefaultMetrics, register } from 'prom-client';
import { loadResponses } from './responses.js';

const log = pino();
collectDefaultMetrics();
const requestSeconds = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time to answer a request, by route, method and status.',
  labelNames: ['route', 'method', 'status'],
});

const app = new Koa();
app.use(async (ctx, next) => {
  const started = performance.now();
  const id = randomUUID();
  ctx.set('X-Request-Id', id);
  await next();
  const ms = performance.now() - started;
  requestSeconds.observe({ route: ctx.routerPath ?? '(unmatched)', method: ctx.method, status: ctx.status }, ms / 1000);
  log.info({ reqId: id, method: ctx.method, url: ctx.url, status: ctx.status, ms }, 'request');
});

const router = new Router();
for (const [path, route] of loadResponses(process.env.BENCH_RESPONSES)) {
  const document = JSON.parse(route.get.body.toString('utf8'));
  const headers = Object.fromEntries(Object.entries(route.get.object).filter(([name]) => name.toLowerCase() !== 'x-request-id'));
  router.get(path, (ctx) => {
    ctx.set(headers);
    ctx.body = document;
    // Koa drops the body, Content-Type and Content-Length of a 304 itself.
    if (ctx.fresh) ctx.status = 304;
  });
}
app.use(router.routes()).use(router.allowedMethods());

const server = app.listen(Number(process.env.PORT), '127.0.0.1');
server.keepAliveTimeout = 65_000;
createServer((_req, res) => {
  register.metrics().then((text) => {
    res.setHeader('Content-Type', register.contentType);
    res.end(text);
  });
}).listen(Number(process.env.ADMIN_PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
