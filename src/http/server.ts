/**
 * The listeners: bounded resources, connections fed to Node's HTTP server one request at a time
 * (`connections.ts`, `feeder.ts`), and the graceful drain used at shutdown.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { answerClientErrors, type ServerEvents } from './client-error.js';
import { LimitedServer, type ReadsBody, type RequestListener } from './connections.js';

/** The bounds every listener enforces. */
export interface ServerLimits {
  /** Time to receive the complete request head (slowloris bound). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request: its body, from its head on. */
  readonly requestTimeoutMs: number;
  /** Idle time before a keep-alive connection is closed. */
  readonly keepAliveTimeoutMs: number;
  /**
   * How often the two timeouts above are checked (`connections.ts`): a connection outlives its limit by up to this
   * much. (Node's own check, every 30 s by default, covers only connections of a server that listens itself.)
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
  // A slow-header connection is closed 10-11 s after its first byte.
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

/**
 * Creates a listener with {@link SERVER_LIMITS} (or `options.limits`), answering nothing yet: {@link answerWith}
 * attaches the application once what it serves exists. Its connections are capped and fed to Node's HTTP server one
 * request at a time (`connections.ts`, `feeder.ts`); malformed HTTP gets a JSON `ApiErrorResponse`
 * (`client-error.ts`).
 */
export function createLimitedServer(options: LimitedServerOptions = {}): LimitedServer {
  const limits = { ...SERVER_LIMITS, ...options.limits };
  const http = createServer({
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderSize,
    requireHostHeader: options.appChecksHost !== true,
  });
  http.timeout = limits.inactivityTimeoutMs;
  const events = options.events ?? {};
  const server = new LimitedServer(http, { limits, maxConnections: options.maxConnections, dropped: (reason) => events.dropped?.(reason) });
  answerClientErrors(server, events);
  return server;
}

/**
 * Attaches `listener` to `server`. Requests with a body are answered without reading it unless `readsBody` says
 * the application reads it; `Expect: 100-continue` never gets `100 Continue` from here (the application sends it
 * where it reads the body) and other expectations are ignored (RFC 9110 §10.1.1).
 */
export function answerWith(server: LimitedServer, listener: RequestListener, readsBody?: ReadsBody): void {
  const handle = server.handler(listener, readsBody);
  server.http.on('request', handle);
  // With no listener Node writes `100 Continue` itself; with one it is ours to send, and only an application that
  // reads the body does. Node closes any other such connection after the answer (the client may send the body
  // anyway); saying so up front makes the answer carry `Connection: close`.
  server.http.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (readsBody?.(req) !== true) res.shouldKeepAlive = false;
    handle(req, res);
  });
  server.http.on('checkExpectation', handle);
}

/**
 * Drains a listener without losing requests already on the wire: stop accepting, let answers carry
 * `Connection: close` (the caller's drain flag), close connections that are still quiet (nothing in flight, nothing
 * partly received) only after `graceMs`, as a request a client has just written to one would be reset, and destroy
 * whatever remains at `timeoutMs`. Resolves when every connection is gone.
 */
export function drain(server: LimitedServer, graceMs: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    let sweeper: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => server.closeAll(), timeoutMs);
    const grace = setTimeout(() => {
      server.closeQuiet();
      sweeper = setInterval(() => server.closeQuiet(), 50);
    }, graceMs);
    server.close(() => {
      clearTimeout(deadline);
      clearTimeout(grace);
      if (sweeper !== undefined) clearInterval(sweeper);
      resolve();
    });
  });
}
