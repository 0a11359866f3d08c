/**
 * The bench's bare baseline: `node:http` answering ours's captured responses (`servers/responses.js`) with one
 * table lookup and one `writeHead`/`end` per request: the floor of a Node server. Node's defaults, plus ours's
 * keep-alive timeout. Usage: PORT=… BENCH_RESPONSES=… node scripts/bench/servers/bare.js
 */
import { createServer } from 'node:http';
import process from 'node:process';
import { loadResponses, pick } from './responses.js';

const routes = loadResponses(process.env.BENCH_RESPONSES);
const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const q = req.url.indexOf('?');
  const route = routes.get(q === -1 ? req.url : req.url.slice(0, q));
  if (route === undefined) {
    res.writeHead(404, ['Content-Length', '0']);
    res.end();
    return;
  }
  const answer = pick(route, req.headers['if-none-match']);
  res.writeHead(answer.status, answer.headers.flat());
  res.end(answer.body.length > 0 ? answer.body : undefined);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
