/**
 * Node HTTP servers with bounded resources, and the graceful drain used at shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { answerClientErrors, type ServerEvents } from './client-error.js';
import { announcesBody, closeUnread } from './framing.js';

/** The bounds every listener enforces. */
export interface ServerLimits {
  /** Time to receive the complete request head (slowloris bound). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request. */
  readonly requestTimeoutMs: number;
  /** Idle time before a keep-alive connection is closed. */
  readonly keepAliveTimeoutMs: number;
  /**
   * How often Node checks the two timeouts above: they are enforced only when this check runs, so a connection
   * outlives its limit by up to this much. Node's default is 30 s.
   */
  readonly connectionsCheckingIntervalMs: number;
  /**
   * Time a connection with a request open may make no progress, read or write: a client that stops reading its
   * answers (or pipelines requests it never reads) is closed instead of holding the connection for good.
   */
  readonly inactivityTimeoutMs: number;
  /** Largest accepted request head; these GETs need a few hundred bytes. */
  readonly maxHeaderSize: number;
}

/**
 * Server limits. The keep-alive timeout is above the idle timeouts of common load balancers (AWS ALB 60 s, GCP
 * 600 s is the exception and is configured on the LB side), so the balancer, not this server, closes idle
 * connections and never sends a request into a socket this server is closing.
 */
const SERVER_LIMITS: ServerLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  // A slow-header connection is closed 10-11 s after it opened, not up to 40 s (10 s + Node's 30 s check).
  connectionsCheckingIntervalMs: 1_000,
  inactivityTimeoutMs: 30_000,
  maxHeaderSize: 16 * 1024,
});

/** A request listener; Koa's `app.callback()` returns a promise it settles itself, which nothing here awaits. */
type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;
type Handle = (req: IncomingMessage, res: ServerResponse) => void;
/** Whether the application reads the body of a request (an operation that declares one, `operations.ts`). */
type ReadsBody = (req: IncomingMessage) => boolean;

/** How to build one listener. */
export interface LimitedServerOptions {
  /** Replaces some of {@link SERVER_LIMITS} (tests use small ones). */
  readonly limits?: Partial<ServerLimits>;
  /** Open connections accepted; beyond it a new connection is closed at once (`MAX_CONNECTIONS`). Default: none. */
  readonly maxConnections?: number;
  /**
   * The application answers a missing `Host` itself (the public app's JSON 400, see `framing.ts`). Otherwise Node
   * does, with an empty 400.
   */
  readonly appChecksHost?: boolean;
  /** Told what the server answers or closes on its own, for the log and the metrics. */
  readonly events?: ServerEvents;
}

/** Marks a connection whose latest answer closes it. */
const CLOSING = Symbol('closing');
type ClosingSocket = Socket & { [CLOSING]?: true };

/**
 * Two rules on top of the application:
 *
 * - A request that announces a body is answered from its head alone (see `framing.ts`) with `Connection: close`,
 *   and its connection is destroyed as soon as the answer is handed to the kernel. Node would otherwise read the
 *   whole body to reach the next request on a keep-alive connection, however long it is. So the server reads at
 *   most what arrived with the head, in the socket read that completed it (Node reads at most 64 KiB at a time).
 *   The exception is a request whose body the application reads (`readsBody`): it reads it within its bound and
 *   closes the connection itself when it refuses a body unread (`request-body.ts`).
 * - Once an answer closes the connection (that rule, the client's `Connection: close`, a refused request, the
 *   drain), requests pipelined after it are not processed (RFC 9112 §9.6): they would be logged and counted but
 *   never sent.
 */
function closingConnections(listener: RequestListener, readsBody: ReadsBody | undefined): Handle {
  return (req, res) => {
    const socket = req.socket as ClosingSocket;
    if (socket[CLOSING] === true) return;
    if (announcesBody(req.headers) && readsBody?.(req) !== true) closeUnread(req, res);
    // The public application decides synchronously whether its answer closes the connection (an operation
    // reading a body can only decide so later, and no request is parsed behind an unread body), so it is known here.
    listener(req, res);
    if (!res.shouldKeepAlive) socket[CLOSING] = true;
  };
}

/** Progress of a connection as the last sweep saw it. */
const SEEN = Symbol('seen');
type WatchedSocket = Socket & {
  [SEEN]?: { read: number; written: number; sinceMs: number };
  /** Node's own field: the response being written on the connection (`client-error.ts` reads it too). */
  _httpMessage?: unknown;
};

/**
 * Closes a connection with an answer open (written or still being prepared) that has made no progress, read or
 * write, for `timeoutMs`, checked every `intervalMs`: a client that stops reading its answers, or pipelines
 * requests it never reads, does not hold a connection for good. Not Node's `server.timeout`: Node arms a new
 * timer on every request for it and refreshes it on every read and write, ~4 % of the server CPU per request in
 * the bench; this sweep costs nothing per request. Idle keep-alive connections and unfinished request heads or
 * bodies are Node's (`keepAliveTimeout`, `headersTimeout`, `requestTimeout`).
 */
function closeStalledConnections(server: Server, timeoutMs: number, intervalMs: number): void {
  const open = new Set<WatchedSocket>();
  server.on('connection', (socket: WatchedSocket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  const sweep = (): void => {
    const now = Date.now();
    for (const socket of open) {
      const answering = socket._httpMessage !== null && socket._httpMessage !== undefined;
      const seen = socket[SEEN];
      if (!answering && socket.writableLength === 0) {
        socket[SEEN] = undefined;
        continue;
      }
      const { bytesRead: read, bytesWritten: written } = socket;
      if (seen === undefined || seen.read !== read || seen.written !== written) socket[SEEN] = { read, written, sinceMs: now };
      else if (now - seen.sinceMs >= timeoutMs) socket.destroy();
    }
  };
  const timer = setInterval(sweep, Math.min(intervalMs, timeoutMs));
  timer.unref();
  server.once('close', () => clearInterval(timer));
}

/**
 * Creates a server with {@link SERVER_LIMITS} (or `options.limits`), answering nothing yet: {@link answerWith}
 * attaches the application once what it serves exists. Malformed HTTP gets a JSON `ApiErrorResponse`
 * (`client-error.ts`).
 */
export function createLimitedServer(options: LimitedServerOptions = {}): Server {
  const limits = { ...SERVER_LIMITS, ...options.limits };
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    maxHeaderSize: limits.maxHeaderSize,
    requireHostHeader: options.appChecksHost !== true,
  });
  closeStalledConnections(server, limits.inactivityTimeoutMs, limits.connectionsCheckingIntervalMs);
  const events = options.events ?? {};
  if (options.maxConnections !== undefined) {
    server.maxConnections = options.maxConnections;
    server.on('drop', () => events.dropped?.('max_connections'));
  }
  answerClientErrors(server, events);
  return server;
}

/**
 * Attaches `listener` to `server`. Requests with a body are answered without reading it unless `readsBody` says
 * the application reads it; `Expect: 100-continue` never gets `100 Continue` from here (the application sends it
 * where it reads the body) and other expectations are ignored (RFC 9110 §10.1.1).
 */
export function answerWith(server: Server, listener: RequestListener, readsBody?: ReadsBody): void {
  const handle = closingConnections(listener, readsBody);
  server.on('request', handle);
  // With no listener Node writes `100 Continue` itself; with one it is ours to send, and only an application that
  // reads the body does. Node closes any other such connection after the answer (the client may send the body
  // anyway); saying so up front lets requests pipelined behind it be skipped like those behind any closing answer.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (readsBody?.(req) !== true) res.shouldKeepAlive = false;
    handle(req, res);
  });
  server.on('checkExpectation', handle);
}

/**
 * Drains a server without losing requests already on the wire.
 *
 * Node 20's `server.close()` also closes idle keep-alive sockets at once, resetting requests a client has just
 * written to them. So: stop accepting (the net-level close), let responses carry `Connection: close` (the
 * caller's drain flag), close sockets that are still idle only after `graceMs`, and destroy whatever remains at
 * `timeoutMs`. Resolves when every connection is gone.
 */
export function drain(server: Server, graceMs: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    let sweeper: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    const grace = setTimeout(() => {
      server.closeIdleConnections();
      sweeper = setInterval(() => server.closeIdleConnections(), 50);
    }, graceMs);
    NetServer.prototype.close.call(server, () => {
      clearTimeout(deadline);
      clearTimeout(grace);
      if (sweeper !== undefined) clearInterval(sweeper);
      resolve();
    });
  });
}
