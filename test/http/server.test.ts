/**
 * The listener's bounds over real sockets: timeouts enforced promptly, the inactivity bound, the connection cap.
 * Waits have generous ceilings that are still far below the 30 s Node would take with its default connection
 * check; no test measures how long anything took.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answerWith, createLimitedServer, type LimitedServerOptions } from '../../src/http/server.js';
import type { DropReason } from '../../src/observability/metrics.js';
import type { RunningService } from '../../src/service.js';
import { closed, eventually, get, parseResponses, rawSocket } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
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
    // The inactivity bound is the server's own sweep, not Node's per-socket timer.
    expect(server.timeout).toBe(0);
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

describe('MAX_CONNECTIONS', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startTestService({ KEYS_DIR: keysDir, MAX_CONNECTIONS: '2' });
  });
  afterAll(() => service?.shutdown());

  /** A keep-alive connection that has been served once; `ask` sends one more request and resolves with its status. */
  async function servedConnection() {
    const socket = rawSocket(service.url);
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    const ask = async (): Promise<number | undefined> => {
      const before = parseResponses(data).length;
      socket.write(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(await eventually(() => data.endsWith('}') && parseResponses(data).length === before + 1)).toBe(true);
      return parseResponses(data).at(-1)?.status;
    };
    expect(await ask()).toBe(200);
    return { socket, ask };
  }

  it('closes connections beyond it at once, counts them, and leaves served clients unaffected', async () => {
    const first = await servedConnection();
    const second = await servedConnection();
    const third = rawSocket(service.url);
    let thirdData = '';
    third.on('data', (chunk) => (thirdData += chunk.toString()));
    third.on('error', () => undefined);
    third.write(`GET ${JWKS} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(await closed(third, CEILING_MS)).toBe(true);
    expect(thirdData).toBe('');

    expect(await first.ask()).toBe(200);
    expect(await second.ask()).toBe(200);
    const metrics = (await get(`${service.adminUrl}/metrics`)).body;
    expect(metrics).toMatch(/^http_connections_dropped_total\{reason="max_connections"\} 1$/m);
    expect(metrics).toMatch(/^http_open_connections 2$/m);

    // A slot freed is a slot served.
    first.socket.destroy();
    expect(await eventually(async () => /^http_open_connections 1$/m.test((await get(`${service.adminUrl}/metrics`)).body))).toBe(true);
    const fourth = await servedConnection();
    expect(await fourth.ask()).toBe(200);
    second.socket.destroy();
    fourth.socket.destroy();
  });
});
