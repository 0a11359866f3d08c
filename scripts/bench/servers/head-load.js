/**
 * A minimal keep-alive load generator for HEAD (wrk 4.1 waits for a body after a HEAD response's Content-Length and
 * stalls): one request in flight per connection; a response ends at its blank line (HEAD and 304 have no body).
 * Prints `{"requests":…,"unexpected":…,"errors":…,"latencyMs":…}`.
 * Usage: node scripts/bench/servers/head-load.js PORT PATH CONNECTIONS SECONDS ["Header: value"]
 */
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const [port, path, connections, seconds, extra] = process.argv.slice(2);
const head = Buffer.from(`HEAD ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra ? `${extra}\r\n` : ''}\r\n`);
let requests = 0;
let unexpected = 0;
let errors = 0;
let latency = 0;
let running = true;
const sockets = [];
for (let i = 0; i < Number(connections); i += 1) {
  const socket = connect(Number(port), '127.0.0.1');
  socket.setNoDelay(true);
  let pending = '';
  let sent = 0;
  const send = () => {
    sent = performance.now();
    socket.write(head);
  };
  socket.on('connect', send);
  socket.on('data', (chunk) => {
    pending += chunk.latin1Slice();
    let end;
    while ((end = pending.indexOf('\r\n\r\n')) !== -1) {
      if (!pending.startsWith('HTTP/1.1 2') && !pending.startsWith('HTTP/1.1 3')) unexpected += 1;
      pending = pending.slice(end + 4);
      if (running) {
        requests += 1;
        latency += performance.now() - sent;
        send();
      }
    }
  });
  socket.on('error', () => (errors += 1));
  sockets.push(socket);
}
setTimeout(
  () => {
    running = false;
    for (const socket of sockets) socket.destroy();
    process.stdout.write(JSON.stringify({ requests, unexpected, errors, latencyMs: latency / Math.max(1, requests) }));
  },
  Number(seconds) * 1000,
);
