/**
 * The listener's bounds over real sockets: timeouts enforced promptly, the inactivity bound, the connection cap
 * with idle eviction, pipelining one answer at a time. Waits have generous ceilings that are still far below the
 * 30 s Node would take with its default connection check; no test measures how long anything took.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LimitedServer } from '../../src/http/connections.js';
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
    const server = createLimitedServer();
    // The service's own limits (src/http/server.ts): a 10 s head, a 30 s request, a keep-alive above the 60 s idle
    // timeout of common load balancers, checked every second, and a 16 KiB head.
    expect(server.limits).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      connectionsCheckingIntervalMs: 1_000,
      inactivityTimeoutMs: 30_000,
      maxHeaderSize: 16 * 1024,
    });
    // What Node's HTTP server enforces itself on the connections it is fed: the keep-alive and inactivity
    // timeouts (30 s without progress while a request is open), the head size, and Host.
    const http = server.http as HttpServer & { requireHostHeader: boolean; maxHeaderSize: number };
    expect({
      keepAliveTimeout: http.keepAliveTimeout,
      timeout: http.timeout,
      maxHeaderSize: http.maxHeaderSize,
      requireHostHeader: http.requireHostHeader,
    }).toEqual({ keepAliveTimeout: 65_000, timeout: 30_000, maxHeaderSize: 16 * 1024, requireHostHeader: true });
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

  it('close a connection that sends nothing, and count it', async () => {
    const dropped = async (): Promise<number> =>
      Number(
        /^http_connections_dropped_total\{reason="request_timeout"\} (\d+)$/m.exec((await get(`${service.adminUrl}/metrics`)).body)?.[1] ??
          0,
      );
    const before = await dropped();
    const socket = rawSocket(service.url);
    socket.on('error', () => undefined);
    expect(await closed(socket, CEILING_MS)).toBe(true);
    // Closed for its head not arriving, not by the inactivity timeout, which counts nothing.
    expect(await dropped()).toBe(before + 1);
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
  const servers: LimitedServer[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAll();
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
  let server: LimitedServer;
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
    server.closeAll();
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

  /**
   * Tells `record` of each request Node's HTTP server parses, as its documented `http.server.request.start`
   * diagnostics channel reports them, until the returned function is called.
   */
  function onParsed(record: (req: IncomingMessage) => void): () => void {
    const onStart = (message: unknown): void => record((message as { request: IncomingMessage }).request);
    subscribe('http.server.request.start', onStart);
    return () => unsubscribe('http.server.request.start', onStart);
  }

  /** Starts a bare limited server answering with `listener`; resolves with its URL and its TCP connections. */
  async function bare(listener: Parameters<typeof answerWith>[1], readsBody?: Parameters<typeof answerWith>[2]) {
    const server = createLimitedServer({ limits: { ...SMALL_LIMITS, inactivityTimeoutMs: 60_000 } });
    answerWith(server, listener, readsBody);
    const sockets: Socket[] = [];
    server.on('connection', (socket: Socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const stop = (): void => {
      server.closeAll();
      server.close();
    };
    return { url, sockets, stop };
  }

  it('closes a connection with more than 16 requests waiting before its parser sees them, and counts it', async () => {
    const capture = captureLogger('info');
    const service = await startTestService({ KEYS_DIR: keysDir }, { logger: capture.logger });
    const parsed: IncomingMessage[] = [];
    const stopParsed = onParsed((req) => parsed.push(req));
    try {
      const socket = rawSocket(service.url);
      socket.on('error', () => undefined);
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      // Never reads on purpose: what arrives is kept by the kernel until the server closes the connection.
      socket.write(flood('flood-1'));
      expect(await closed(socket, CEILING_MS)).toBe(true);
      // Node's parser got no more of them than the bound (it would parse all ~1,300 of one read at once).
      expect(parsed.filter((req) => req.headers['x-request-id'] === 'flood-1').length).toBeLessThanOrEqual(16);
      expect(data.split('HTTP/1.1 200').length - 1).toBeLessThanOrEqual(16);
      const metrics = (await get(`${service.adminUrl}/metrics`)).body;
      expect(metrics).toMatch(/^http_connections_dropped_total\{reason="pipelining"\} 1$/m);
      const answered = Number(
        /^http_requests_total\{route="\/\.well-known\/jwks\.json",method="GET",status="200"\} (\d+)$/m.exec(metrics)?.[1] ?? 0,
      );
      expect(answered).toBeLessThanOrEqual(16);
      expect(capture.records().filter((line) => line.requestId === 'flood-1').length).toBeLessThanOrEqual(16);
      // The service goes on serving.
      expect((await get(service.url + JWKS)).status).toBe(200);

      // The same behind an answer that closes the connection (a refused Host): nothing after it is processed.
      const closing = rawSocket(service.url);
      closing.on('error', () => undefined);
      closing.write(`GET ${JWKS} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n${flood('flood-2')}`);
      expect(await closed(closing, CEILING_MS)).toBe(true);
      const after = (await get(`${service.adminUrl}/metrics`)).body;
      expect(after).toMatch(/^http_connections_dropped_total\{reason="pipelining"\} 2$/m);
      expect(capture.records().filter((line) => line.requestId === 'flood-2')).toEqual([]);
      expect(parsed.filter((req) => req.headers['x-request-id'] === 'flood-2')).toEqual([]);
    } finally {
      stopParsed();
      await service.shutdown();
    }
  });

  it('parses a pipelined request only once the answer before it has finished, and answers all in order', async () => {
    const events: string[] = [];
    const stopParsed = onParsed((req) => events.push(`parsed ${req.url}`));
    // Answers a turn of the event loop later, as an application that awaits something would.
    const { url, stop } = await bare((req, res) => {
      res.on('finish', () => events.push(`finished ${req.url}`));
      setImmediate(() => res.end(req.url));
    });
    const socket = rawSocket(url);
    socket.on('error', () => undefined);
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    try {
      // As many as a connection may have waiting, in one write, so that they arrive together.
      const paths = Array.from({ length: 16 }, (_, i) => `/p-${i}`);
      socket.write(paths.map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
      expect(await eventually(() => parseResponses(data).length === paths.length, CEILING_MS)).toBe(true);
      expect(parseResponses(data).map((response) => response.body)).toEqual(paths);
      // Node parsed each only after the answer to the one before it had finished.
      expect(events).toEqual(paths.flatMap((path) => [`parsed ${path}`, `finished ${path}`]));
      expect(socket.destroyed).toBe(false);
    } finally {
      stopParsed();
      socket.destroy();
      stop();
    }
  });

  it('parses nothing more while an answer is not being read, then goes on in order', async () => {
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
      // More requests, in separate writes: none is parsed while the first answer is not read.
      for (let i = 0; i < 8; i += 1) socket.write(`GET /more-${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.write(`GET /last HTTP/1.1\r\nHost: x\r\n\r\n`);
      // A request to another connection of the same server is read and answered meanwhile.
      expect((await get(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/other`)).status).toBe(200);
      expect(seen).toEqual(['/big', '/other']);
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
      server.closeAll();
      server.close();
    }
  });

  it('stops reading from a client that does not read its answers, however much it sends', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024, 0x61);
    const { url, sockets, stop } = await bare((req, res) => res.end(req.url === '/big' ? big : '{}'));
    const socket = rawSocket(url);
    socket.on('error', () => undefined);
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.pause();
    try {
      // An answer the client does not read, then 4 MiB more: a head that never ends, so no request to count.
      const sent = 4 * 1024 * 1024;
      socket.write(`GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\nX-Pad: `);
      socket.write(Buffer.alloc(sent, 0x61));
      expect(await eventually(() => sockets.length === 1 && sockets[0]!.bytesRead > 0)).toBe(true);
      // Requests on another connection of the same server: the server has had turns to read all it would.
      for (let i = 0; i < 3; i += 1) expect((await get(`${url}/other`)).status).toBe(200);
      // At most a few socket reads (64 KiB each) were taken; the rest waits in the kernel, which pushes back.
      expect(sockets[0]!.bytesRead).toBeLessThan(512 * 1024);
      // Reading the answer lets the connection go on: the endless head is then refused (431) and closed.
      socket.resume();
      expect(await closed(socket, CEILING_MS)).toBe(true);
      expect(data.startsWith('HTTP/1.1 200')).toBe(true);
    } finally {
      socket.destroy();
      stop();
    }
  });

  it('feeds a body the application reads as it comes, and the request behind it only after the answer', async () => {
    const events: string[] = [];
    const stopParsed = onParsed((req) => events.push(`parsed ${req.url}`));
    const { url, sockets, stop } = await bare(
      (req, res) => {
        res.on('finish', () => events.push(`finished ${req.url}`));
        let length = 0;
        req.on('data', (chunk: Buffer) => (length += chunk.length));
        req.on('end', () => res.end(`${req.url} ${length}`));
      },
      (req) => req.url?.startsWith('/body') === true,
    );
    const socket = rawSocket(url);
    socket.on('error', () => undefined);
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    /** Writes `bytes` once the server has read everything before it, so that each is a socket read of its own. */
    let written = 0;
    const send = async (bytes: string): Promise<void> => {
      expect(await eventually(() => sockets.length === 1 && sockets[0]!.bytesRead === written)).toBe(true);
      socket.write(bytes);
      written += Buffer.byteLength(bytes);
    };
    try {
      const piece = 'x'.repeat(1000);
      await send(`POST /body-1 HTTP/1.1\r\nHost: x\r\nContent-Length: ${8 * piece.length}\r\n\r\n`);
      for (let i = 0; i < 7; i += 1) await send(piece);
      // The body's end and the next request in one read.
      await send(`${piece}GET /after-1 HTTP/1.1\r\nHost: x\r\n\r\n`);
      // A chunked body, its last chunk's end split across reads, then the next request.
      await send(`POST /body-2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
      for (let i = 0; i < 4; i += 1) await send(`3e8\r\n${piece}\r\n`);
      await send('0\r\n\r');
      await send(`\nGET /after-2 HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(await eventually(() => parseResponses(data).length === 4, CEILING_MS)).toBe(true);
      expect(parseResponses(data).map((response) => response.body)).toEqual(['/body-1 8000', '/after-1 0', '/body-2 4000', '/after-2 0']);
      // Each request parsed only after the answer before it.
      expect(events).toEqual(['/body-1', '/after-1', '/body-2', '/after-2'].flatMap((path) => [`parsed ${path}`, `finished ${path}`]));
    } finally {
      stopParsed();
      socket.destroy();
      stop();
    }
  });
});
