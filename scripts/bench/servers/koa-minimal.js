/**
 * The bench's minimal Koa baseline: one middleware answering ours's captured responses (`servers/responses.js`)
 * with one table lookup, `ctx.set` of the headers and `ctx.body`: what any Koa app pays before doing anything of
 * its own. Usage: PORT=… BENCH_RESPONSES=… node scripts/bench/servers/koa-minimal.js
 */
import process from 'node:process';
import Koa from 'koa';
import { loadResponses, pick } from './responses.js';

const routes = loadResponses(process.env.BENCH_RESPONSES);
const app = new Koa();
app.use((ctx) => {
  const route = routes.get(ctx.path);
  if (route === undefined) return;
  const answer = pick(route, ctx.get('If-None-Match'));
  ctx.status = answer.status;
  ctx.set(answer.object);
  if (answer.status === 200) ctx.body = answer.body;
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => process.exit(0));
