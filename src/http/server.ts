/**
 * Node HTTP servers with bounded resources, and the graceful drain used at shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import { answerClientErrors, type ServerEvents } from './client-error.js';
import { Connections, type ReadsBody, type RequestListener } from './connections.js';

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
   * Time a connection with a request open may make no progress, read or write (Node's `server.timeout`): a client
   * that stops reading its answers (or pipelines requests it never reads) is closed instead of holding the
   * connection for good. Between requests, `keepAliveTimeoutMs` applies instead.
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

/** How to build one listener. */
export interface LimitedServerOptions {
  /** Replaces some of {@link SERVER_LIMITS} (tests use small ones). */
  readonly limits?: Partial<ServerLimits>;
  /**
   * Open connections accepted (`MAX_CONNECTIONS`); beyond it the oldest idle keep-alive connection makes room,
   * or the new one is closed at once when none is idle (`connections.ts`). Default: none.
   */
  readonly maxConnections?: number;
  /**
   * The application answers a missing `Host` itself (the public app's JSON 400, see `framing.ts`). Otherwise Node
   * does, with an empty 400.
   */
  readonly appChecksHost?: boolean;
  /** Told what the server answers or closes on its own, for the log and the metrics. */
  readonly events?: ServerEvents;
}

/** The connections of each server made by {@link createLimitedServer}. */
const tracked = new WeakMap<Server, Connections>();

/**
 * Creates a server with {@link SERVER_LIMITS} (or `options.limits`), answering nothing yet: {@link answerWith}
 * attaches the application once what it serves exists. Its connections are capped, answered one request at a
 * time and closed after a closing answer (`connections.ts`); malformed HTTP gets a JSON `ApiErrorResponse`
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
  server.timeout = limits.inactivityTimeoutMs;
  const events = options.events ?? {};
  const connections = new Connections(server, { maxConnections: options.maxConnections, dropped: (reason) => events.dropped?.(reason) });
  tracked.set(server, connections);
  answerClientErrors(server, connections, events);
  return server;
}

/**
 * Attaches `listener` to `server`. Requests with a body are answered without reading it unless `readsBody` says
 * the application reads it; `Expect: 100-continue` never gets `100 Continue` from here (the application sends it
 * where it reads the body) and other expectations are ignored (RFC 9110 §10.1.1).
 */
export function answerWith(server: Server, listener: RequestListener, readsBody?: ReadsBody): void {
  const connections = tracked.get(server);
  if (connections === undefined) throw new TypeError('answerWith takes a server made by createLimitedServer');
  const handle = connections.handler(listener, readsBody);
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
