/**
 * The listener's bounds over real sockets: timeouts enforced promptly, the inactivity bound, the connection cap
 * with idle eviction, pipelining one answer at a time. Waits have generous ceilings that are still far below the
 * 30 s Node would take with its default connection check; no test measures how long anything took.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answerWith, createLimitedServer, type LimitedServerOptions } from '../../src/http/server.js';
import type { DropReason } from '../../src/observability/metrics.js';
import type { RunningService } from '../../src/service.js';
import { closed, eventually, get, parseResponses, rawSocket } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { captureLogger } from '../support/logs.js';
import { startTestService } from '../support/service.js';

const JWKS = '/.well-known/jwks.json';
/** Small limits: each timeout, checked every 100 ms, fires well within the ceilings below. */
const SMALL_LIMITS = { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionsCheckingIntervalMs: 100, inactivityTimeoutMs: 600 };
const CEILING_MS = 10_000;
const keysDir = keysDirWith({ limits: rsaKey() });

describe('server limits', () => {
  it('bound header time, request time, keep-alive, inactivity and head size, and are checked every second', () => {
    const server = createLimitedServer() as Server & {
      connectionsCheckingInterval: number;
      requireHostHeader: boolean;
      maxHeaderSize: number;
    };
    // The service's own limits (src/http/server.ts): a 10 s head, a 30 s request, a keep-alive above the 60 s idle
    // timeout of common load balancers, checked every second, and a 16 KiB head.
    expect({
      headersTimeout: server.headersTimeout,
      requestTimeout: server.requestTimeout,
      keepAliveTimeout: server.keepAliveTimeout,
      maxHeaderSize: server.maxHeaderSize,
      connectionsCheckingInterval: server.connectionsCheckingInterval,
    }).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 65_000,
      maxHeaderSize: 16 * 1024,
      connectionsCheckingInterval: 1_000,
    });
    // The inactivity bound is Node's own, 30 s without progress while a request is open.
    expect(server.timeout).toBe(30_000);
    expect(server.requireHostHeader).toBe(true);
    expect(server.connectionsCheckingInterval).toBeLessThanOrEqual(1000);
    expect(server.keepAliveTimeout).toBeGreaterThan(60_000);
    expect(server.headersTimeout).toBeLessThanOrEqual(server.requestTimeout);
  });
});

describe('timeouts, on the service with small limits', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startTestService({ KEYS_DIR: keysDir }, { serverLimits: SMALL_LIMITS });
  });
  afterAll(() => service?.shutdown());

  it('close a connection that never completes its head, and count it', async () => {
    const socket = rawSocket(service.url);
    socket.write(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\n`);
    expect(await closed(socket, CEILING_MS)).toBe(true);
    const metrics = (await get(`${service.adminUrl}/metrics`)).body;
    expect(metrics).toMatch(/^http_connections_dropped_total\{reason="request_timeout"\} [1-9]/m);
  });

  it('close a connection that keeps dripping header bytes', async () => {
    const socket = rawSocket(service.url);
    socket.on('error', () => undefined);
    socket.write(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\n`);
    const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
    try {
      expect(await closed(socket, CEILING_MS)).toBe(true);
    } finally {
      clearInterval(drip);
    }
  });

  it('leave a served keep-alive connection open', async () => {
    const socket = rawSocket(service.url);
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.write(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(await eventually(() => data.includes('"keys"'))).toBe(true);
    socket.write(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(await closed(socket, CEILING_MS)).toBe(true);
    expect(parseResponses(data).map((response) => response.status)).toEqual([200, 200]);
  });
});

describe('on a bare limited server', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  /** Starts `createLimitedServer` with small limits; resolves with its URL, its sockets and what it reported. */
  async function start(listener: Parameters<typeof answerWith>[1], options: LimitedServerOptions = {}) {
    const sockets: Socket[] = [];
    const dropped: DropReason[] = [];
    const server = createLimitedServer({
      limits: SMALL_LIMITS,
      events: { dropped: (reason) => dropped.push(reason) },
      ...options,
    });
    answerWith(server, listener);
    servers.push(server);
    server.on('connection', (socket: Socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, sockets, dropped };
  }

  it('the request timeout closes a request whose body never completes while its answer is held back', async () => {
    // A long inactivity bound, so that it is the request timeout that acts.
    const { url, dropped } = await start(() => undefined, { limits: { ...SMALL_LIMITS, inactivityTimeoutMs: 60_000 } });
    const socket = rawSocket(url);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12');
    expect(await closed(socket, CEILING_MS)).toBe(true);
    expect(dropped).toEqual(['request_timeout']);
  });

  it('the inactivity timeout closes a connection whose client stops reading its answer', async () => {
    const body = Buffer.alloc(64 * 1024 * 1024);
    const { url, sockets } = await start((_req, res) => res.end(body));
    const socket = rawSocket(url);
    socket.on('error', () => undefined);
    // Never reads: the answer fills the kernel buffers and the server's writes stop making progress.
    socket.pause();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await eventually(() => sockets.length === 1)).toBe(true);
    expect(await closed(sockets[0] as Socket, CEILING_MS)).toBe(true);
    // Closed with the answer still unwritten, not after it.
    expect((sockets[0] as Socket).writableFinished).toBe(false);
    socket.destroy();
  });
});

/** A keep-alive connection to `url`; `ask` sends one more request and resolves with its status once answered. */
function keptAlive(url: string) {
  const socket = rawSocket(url);
  socket.on('error', () => undefined);
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString()));
  const ask = async (path = JWKS): Promise<number | undefined> => {
    const before = parseResponses(data).length;
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    if (!(await eventually(() => data.endsWith('}') && parseResponses(data).length === before + 1, CEILING_MS))) return undefined;
    return parseResponses(data).at(-1)?.status;
  };
  return { socket, ask };
}

describe('MAX_CONNECTIONS', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startTestService({ KEYS_DIR: keysDir, MAX_CONNECTIONS: '2' });
  });
  afterAll(() => service?.shutdown());

  const metrics = async (): Promise<string> => (await get(`${service.adminUrl}/metrics`)).body;

  it('closes the oldest idle keep-alive connection to admit a new one, counts it, and serves the rest', async () => {
    const first = keptAlive(service.url);
    expect(await first.ask()).toBe(200);
    const second = keptAlive(service.url);
    expect(await second.ask()).toBe(200);
    const third = keptAlive(service.url);
    expect(await third.ask()).toBe(200);
    expect(await closed(first.socket, CEILING_MS)).toBe(true);
    expect(await second.ask()).toBe(200);
    expect(await third.ask()).toBe(200);
    const text = await metrics();
    expect(text).toMatch(/^http_connections_dropped_total\{reason="idle_evicted"\} 1$/m);
    expect(text).toMatch(/^http_open_connections 2$/m);
    expect(text).not.toMatch(/reason="max_connections"/);
    second.socket.destroy();
    third.socket.destroy();
    expect(await eventually(async () => /^http_open_connections 0$/m.test(await metrics()))).toBe(true);
  });
});

describe('on a bare limited server with MAX_CONNECTIONS 2', () => {
  let server: Server;
  let url: string;
  const sockets: Socket[] = [];
  const dropped: DropReason[] = [];
  /** Answers held back until the test releases them. */
  const held: ServerResponse[] = [];
  beforeAll(async () => {
    // Timeouts far beyond the test's length: on a loaded machine a 300 ms head timeout closed the connections whose
    // eviction is under test before the test reached them.
    const limits = { ...SMALL_LIMITS, headersTimeoutMs: 60_000, requestTimeoutMs: 120_000, inactivityTimeoutMs: 120_000 };
    server = createLimitedServer({ limits, maxConnections: 2, events: { dropped: (reason) => dropped.push(reason) } });
    answerWith(server, (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/held') held.push(res);
      else res.end('{}');
    });
    server.on('connection', (socket: Socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('refuses a new connection when none is idle, then evicts one once it is, never one never answered', async () => {
    // One connection with a request in flight, one that has sent nothing yet.
    const busy = keptAlive(url);
    const asked = busy.ask('/held');
    expect(await eventually(() => held.length === 1)).toBe(true);
    const fresh = rawSocket(url);
    fresh.on('error', () => undefined);
    expect(await eventually(() => sockets.length === 2)).toBe(true);

    const refused = rawSocket(url);
    refused.on('error', () => undefined);
    expect(await closed(refused, CEILING_MS)).toBe(true);
    expect(dropped).toEqual(['max_connections']);

    // The answer written, the busy connection is idle: it makes room, the fresh one stays.
    held[0]?.end('{}');
    expect(await asked).toBe(200);
    const admitted = keptAlive(url);
    expect(await admitted.ask()).toBe(200);
    expect(await closed(busy.socket, CEILING_MS)).toBe(true);
    expect(fresh.destroyed).toBe(false);
    expect(dropped).toEqual(['max_connections', 'idle_evicted']);

    // A connection that has started its next request is not idle.
    const before = sockets.at(-1)?.bytesRead ?? 0;
    admitted.socket.write(`GET ${JWKS} HTTP/1.1\r\n`);
    expect(await eventually(() => (sockets.at(-1)?.bytesRead ?? 0) > before)).toBe(true);
    const another = rawSocket(url);
    another.on('error', () => undefined);
    expect(await closed(another, CEILING_MS)).toBe(true);
    expect(dropped).toEqual(['max_connections', 'idle_evicted', 'max_connections']);
    expect(admitted.socket.destroyed).toBe(false);
    fresh.destroy();
    admitted.socket.destroy();
  });
});

describe('pipelining', () => {
  /** 64 KiB of pipelined GETs in one write, as one socket read delivers them: ~1,300 requests. */
  const flood = (requestId: string): string => {
    const one = `GET ${JWKS} HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${requestId}\r\n\r\n`;
    return one.repeat(Math.floor((64 * 1024) / one.length));
  };

  it('closes a connection with more than 16 requests waiting, answering and logging none beyond them', async () => {
    const capture = captureLogger('info');
    const service = await startTestService({ KEYS_DIR: keysDir }, { logger: capture.logger });
    try {
      const socket = rawSocket(service.url);
      socket.on('error', () => undefined);
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      // Never reads on purpose: what arrives is kept by the kernel until the server closes the connection.
      socket.write(flood('flood-1'));
      expect(await closed(socket, CEILING_MS)).toBe(true);
      expect(data.split('HTTP/1.1 200').length - 1).toBeLessThanOrEqual(17);
      const metrics = (await get(`${service.adminUrl}/metrics`)).body;
      expect(metrics).toMatch(/^http_connections_dropped_total\{reason="pipelining"\} 1$/m);
      const answered = Number(
        /^http_requests_total\{route="\/\.well-known\/jwks\.json",method="GET",status="200"\} (\d+)$/m.exec(metrics)?.[1],
      );
      expect(answered).toBeGreaterThanOrEqual(1);
      expect(answered).toBeLessThanOrEqual(17);
      expect(capture.records().filter((line) => line.requestId === 'flood-1').length).toBeLessThanOrEqual(17);
      // The service goes on serving.
      expect((await get(service.url + JWKS)).status).toBe(200);

      // The same after an answer that closes the connection (a refused Host): nothing after it is processed.
      const closing = rawSocket(service.url);
      closing.on('error', () => undefined);
      closing.write(`GET ${JWKS} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n${flood('flood-2')}`);
      expect(await closed(closing, CEILING_MS)).toBe(true);
      const after = (await get(`${service.adminUrl}/metrics`)).body;
      expect(after).toMatch(/^http_connections_dropped_total\{reason="pipelining"\} 2$/m);
      expect(capture.records().filter((line) => line.requestId === 'flood-2')).toEqual([]);
    } finally {
      await service.shutdown();
    }
  });

  it('answers one request at a time and stops reading while the answer is not read', async () => {
    const seen: string[] = [];
    const sockets: Socket[] = [];
    const server = createLimitedServer({ limits: { ...SMALL_LIMITS, inactivityTimeoutMs: 60_000 } });
    // An answer larger than what the kernels' buffers take, so that it stays unwritten while the client reads nothing.
    const big = Buffer.alloc(64 * 1024 * 1024, 0x61);
    answerWith(server, (req: IncomingMessage, res: ServerResponse) => {
      seen.push(req.url ?? '');
      res.end(req.url === '/big' ? big : '{}');
    });
    server.on('connection', (socket: Socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const socket = rawSocket(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`);
    socket.on('error', () => undefined);
    socket.pause();
    try {
      const requests = ['/big', '/a', '/b', '/c'].map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
      socket.write(requests);
      expect(await eventually(() => seen.length === 1)).toBe(true);
      const read = sockets[0]?.bytesRead ?? 0;
      expect(read).toBeLessThanOrEqual(requests.length);
      // More requests, in separate writes: none is read while the first answer is not.
      for (let i = 0; i < 8; i += 1) socket.write(`GET /more-${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.write(`GET /last HTTP/1.1\r\nHost: x\r\n\r\n`);
      // A request to another connection of the same server is read and answered meanwhile.
      expect((await get(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/other`)).status).toBe(200);
      expect(seen).toEqual(['/big', '/other']);
      expect(sockets[0]?.bytesRead).toBe(read);
      // Reading the answer lets the connection go on, in order.
      socket.resume();
      expect(await eventually(() => seen.includes('/last'))).toBe(true);
      expect(seen.filter((url) => url !== '/other')).toEqual([
        '/big',
        '/a',
        '/b',
        '/c',
        ...Array.from({ length: 8 }, (_, i) => `/more-${i}`),
        '/last',
      ]);
    } finally {
      socket.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});
