/**
 * A listener's connections. The listener is a plain `net.Server`; each connection it accepts is wrapped in a
 * {@link Feeder} and handed to Node's HTTP server (`server.emit('connection', feeder)`, which Node documents for any
 * Duplex), which parses and answers what the feeder gives it, one request at a time (`feeder.ts`). Here:
 *
 * - **The cap.** At most `maxConnections` are open. A new connection beyond it closes the oldest idle keep-alive
 *   connection (one that has been answered, has nothing in flight and has sent nothing since) to make room, or,
 *   when none is idle, is closed itself without an answer. Node's own `server.maxConnections` would close the new
 *   one before anything else can be done. Nothing is per client address: behind a load balancer every client
 *   shares one.
 * - **Requests and answers.** Each request is registered with its connection before the application sees it. A
 *   request that announces a body no operation reads is answered from its head alone and its connection closed
 *   once the answer is written (`framing.ts`): its body is never fed to the parser, so nothing behind it could be
 *   reached. An operation that reads a body does so within its bound (`request-body.ts`).
 * - **Timeouts.** Node checks `headersTimeout` and `requestTimeout` only on connections of a server that listens
 *   itself; here they are checked every `connectionsCheckingIntervalMs` over the open connections.
 * - **The drain** closes quiet connections (nothing in flight, nothing partly received) or all of them.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DropReason } from '../observability/metrics.js';
import { Feeder } from './feeder.js';
import { announcesBody, closeUnread } from './framing.js';
import type { ServerLimits } from './server.js';

/** A request listener; Koa's `app.callback()` returns a promise it settles itself, which nothing here awaits. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Whether the application reads the body of a request (an operation that declares one, `operations.ts`). */
export type ReadsBody = (req: IncomingMessage) => boolean;

/** How a listener's connections are bounded. */
export interface ConnectionOptions {
  readonly limits: ServerLimits;
  /** Open connections (`MAX_CONNECTIONS`); unbounded when left out. */
  readonly maxConnections?: number | undefined;
  /** Told of every connection closed on the listener's own initiative. */
  readonly dropped: (reason: DropReason) => void;
}

/** A listener whose connections Node's HTTP server answers through feeders (see the module comment). */
export class LimitedServer extends NetServer {
  /** Node's HTTP server, which parses and answers what the connections feed it; it listens on nothing itself. */
  readonly http: HttpServer;
  readonly limits: ServerLimits;
  /** Open connections in the order they were accepted, so the first idle one is the oldest. */
  readonly #open = new Set<Feeder>();
  readonly #options: ConnectionOptions;

  constructor(http: HttpServer, options: ConnectionOptions) {
    // As Node's HTTP server configures the sockets it accepts: it ends half-closed connections itself, no Nagle.
    super({ allowHalfOpen: true, noDelay: true });
    this.http = http;
    this.limits = options.limits;
    this.#options = options;
    this.on('connection', (socket: Socket) => this.#admit(socket));
    let checks: NodeJS.Timeout | undefined;
    this.on('listening', () => {
      clearInterval(checks);
      checks = setInterval(() => this.#expire(), options.limits.connectionsCheckingIntervalMs).unref();
    });
    this.on('close', () => clearInterval(checks));
  }

  /** The request handler that registers each request with its connection, then answers it with `listener`. */
  handler(listener: RequestListener, readsBody?: ReadsBody): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const feeder = req.socket;
      if (!(feeder instanceof Feeder)) return;
      const body = announcesBody(req.headers);
      const reads = body && readsBody?.(req) === true;
      if (!feeder.began(req, res, reads)) {
        feeder.closeFor('pipelining');
        return;
      }
      if (body && !reads) closeUnread(req, res);
      listener(req, res);
    };
  }

  /** Runs `then` once the answer in flight on `socket` has finished (at once if none is). */
  whenAnswered(socket: Duplex, then: () => void): void {
    if (socket instanceof Feeder) socket.whenAnswered(then);
    else then();
  }

  /** Closes every connection with nothing in flight or partly received. */
  closeQuiet(): void {
    for (const feeder of this.#open) if (feeder.quiet) feeder.destroy();
  }

  /** Closes every connection. */
  closeAll(): void {
    for (const feeder of this.#open) feeder.destroy();
  }

  #admit(socket: Socket): void {
    const { maxConnections, dropped } = this.#options;
    if (maxConnections !== undefined && this.#open.size >= maxConnections) {
      const idle = this.#oldestIdle();
      if (idle === undefined) {
        socket.destroy();
        dropped('max_connections');
        return;
      }
      this.#open.delete(idle);
      idle.destroy();
      dropped('idle_evicted');
    }
    const feeder = new Feeder(socket, dropped);
    this.#open.add(feeder);
    feeder.once('close', () => this.#open.delete(feeder));
    this.http.emit('connection', feeder);
  }

  #oldestIdle(): Feeder | undefined {
    for (const feeder of this.#open) if (feeder.idle) return feeder;
    return undefined;
  }

  #expire(): void {
    const now = performance.now();
    const { headersTimeoutMs, requestTimeoutMs } = this.limits;
    for (const feeder of this.#open) if (feeder.expired(now, headersTimeoutMs, requestTimeoutMs)) feeder.closeFor('request_timeout');
  }
}
