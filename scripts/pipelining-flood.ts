/**
 * Measures what a pipelining flood costs the server (docs/architecture.md, Hostile clients): `--connections`
 * connections each write `--bytes` of pipelined GETs at once and never read, as in issue #22. Meanwhile the admin
 * `/healthz` is asked every 50 ms and one new client asks for the JWKS; printed: the longest `/healthz` wait, the
 * new client's wait, the server's resident memory before and at its peak, the log lines and bytes written during
 * the flood, and the connections closed for pipelining. A measurement, not a test: the figures depend on the
 * machine and what else runs on it (the load average is printed).
 *
 * The server is `node <entry>` (run with another Node by starting this script with it; `NODE_OPTIONS` is passed
 * on), on loopback, with a key made for the run in a temporary directory removed at the end. The flood comes from a worker thread, so that its
 * writes do not delay the probes.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { defineCommand, runAsProcess, type CommandIo } from '../src/cli/command.js';
import { projectRoot } from '../src/contract/spec.js';
import { CommandError, UsageError } from '../src/errors.js';

const USAGE = `usage: npx tsx scripts/pipelining-flood.ts [--connections N] [--bytes N] [--entry FILE]

  --connections N  flooding connections (default 500)
  --bytes N        pipelined GETs each writes at once, in bytes (default 65536, one socket read)
  --entry FILE     the server (default dist/main.js; npm run build first)
  -h, --help       show this text`;

/** The flooder: opens the connections, then, when told, writes the requests on each and never reads. */
const FLOODER = `
const { connect } = require('node:net');
const { parentPort, workerData: { port, connections, bytes } } = require('node:worker_threads');
const one = 'GET /.well-known/jwks.json HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n';
const chunk = one.repeat(Math.max(1, Math.floor(bytes / one.length)));
const sockets = [];
let connected = 0;
for (let i = 0; i < connections; i += 1) {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  socket.on('connect', () => { connected += 1; if (connected === connections) parentPort.postMessage('connected'); });
  sockets.push(socket);
}
parentPort.on('message', () => { for (const socket of sockets) socket.write(chunk); });
`;

/** What the server's metrics say of its connections: closed by reason, and open. */
async function connectionFigures(adminPort: number): Promise<{ closed: Record<string, number>; open: number }> {
  const metrics = await body(adminPort, '/metrics');
  const closed: Record<string, number> = {};
  for (const [, reason = '', count] of metrics.matchAll(/^http_connections_dropped_total\{reason="([a-z_]+)"\} (\d+)/gm)) {
    closed[reason] = Number(count);
  }
  return { closed, open: Number(/^http_open_connections (\d+)/m.exec(metrics)?.[1] ?? Number.NaN) };
}

/** Resolves with the milliseconds an HTTP GET took and its status (or error code). */
function timed(port: number, path: string): Promise<{ ms: number; status: number | string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ms: performance.now() - started, status: error.code ?? 'error' }));
    req.end();
  });
}

/** The body of a GET (for `/metrics`). */
function body(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

/** Resident and peak resident memory of process `pid`, in MB. */
function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

async function flood(connections: number, bytes: number, entry: string, io: CommandIo): Promise<number> {
  const keysDir = mkdtempSync(join(tmpdir(), 'wk-flood-'));
  try {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(join(keysDir, 'flood.pem'), key, { mode: 0o600 });
    const env = {
      PATH: process.env.PATH ?? '',
      // The image's memory flag, for one (`NODE_OPTIONS=--max-semi-space-size=4`).
      ...(process.env.NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.NODE_OPTIONS }),
      PORT: '0',
      ADMIN_PORT: '0',
      HOST: '127.0.0.1',
      KEYS_DIR: keysDir,
    };
    const server = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const stdout = server.stdout;
    try {
      let lines = 0;
      let logBytes = 0;
      let counting = false;
      let head = '';
      const listening = new Promise<{ port: number; adminPort: number }>((resolve, reject) => {
        stdout.on('data', (chunk: Buffer) => {
          if (counting) {
            logBytes += chunk.length;
            lines += chunk.toString().split('\n').length - 1;
            return;
          }
          head += chunk.toString();
          const line = head.split('\n').find((text) => text.includes('"msg":"listening"'));
          if (line !== undefined) resolve(JSON.parse(line) as { port: number; adminPort: number });
        });
        server.once('exit', (code) => reject(new CommandError(`${entry} exited with ${code} before listening`)));
      });
      const { port, adminPort } = await listening;
      const worker = new Worker(FLOODER, { eval: true, workerData: { port, connections, bytes } });
      await new Promise<void>((resolve) => worker.on('message', (message) => message === 'connected' && resolve()));
      counting = true;
      const before = memoryMb(server.pid ?? 0);

      let longestHealthz = 0;
      let probing = true;
      const probes = (async () => {
        while (probing) {
          longestHealthz = Math.max(longestHealthz, (await timed(adminPort, '/healthz')).ms);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      const started = performance.now();
      worker.postMessage('go');
      const newClient = await timed(port, '/.well-known/jwks.json');
      // Until every flooding connection is closed, or a ceiling.
      let figures = await connectionFigures(adminPort);
      while (figures.open > 0 && performance.now() - started < 120_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        figures = await connectionFigures(adminPort);
      }
      const elapsed = performance.now() - started;
      probing = false;
      await probes;
      const after = memoryMb(server.pid ?? 0);
      await worker.terminate();
      io.out(`${connections} connections x ${bytes} bytes of pipelined GETs, never read (Node ${process.version})`);
      io.out(
        `closed by the server: ${JSON.stringify(figures.closed)}; still open: ${figures.open}, ${Math.round(elapsed)} ms after the flood began`,
      );
      io.out(`longest /healthz: ${Math.round(longestHealthz)} ms; new client: ${Math.round(newClient.ms)} ms (${newClient.status})`);
      io.out(`resident memory: ${before.rss} MB before, ${after.peak} MB at the peak, ${after.rss} MB after`);
      io.out(`log during the flood: ${lines} lines, ${logBytes} bytes`);
      io.out(`load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
      return 0;
    } finally {
      server.kill('SIGTERM');
      if (server.exitCode === null) await once(server, 'exit');
    }
  } finally {
    rmSync(keysDir, { recursive: true, force: true });
  }
}

const command = defineCommand({
  usage: USAGE,
  options: { connections: { type: 'string' }, bytes: { type: 'string' }, entry: { type: 'string' } },
  run: ({ values }, io) => {
    const count = (name: 'connections' | 'bytes', fallback: number): number => {
      const value = Number(values[name] ?? fallback);
      if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer`);
      return value;
    };
    const entry = values.entry ?? join(projectRoot(), 'dist/main.js');
    return flood(count('connections', 500), count('bytes', 64 * 1024), entry, io);
  },
});

await runAsProcess(command);
