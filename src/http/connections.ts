/**
 * What a listener keeps per connection, from Node's public events only (the server's `connection` and `request`,
 * an answer's `finish`, a socket's `close`):
 *
 * - **The cap.** At most `maxConnections` are open. A new connection beyond it closes the oldest idle keep-alive
 *   connection (one that has been answered, has no request in flight and has sent nothing since) to make room, or,
 *   when none is idle, is closed itself without an answer. Node's own `server.maxConnections` would close the new
 *   one before anything else can be done. Nothing is per client address: behind a load balancer every client
 *   shares one.
 * - **One answer at a time.** Node parses every request of a socket read at once (a 64 KiB read holds ~1,300
 *   pipelined GETs) and would have the application answer them all, buffering the answers. Here a request that
 *   arrives while the connection's previous answer is still being written waits, and reading from the connection
 *   stops until its answers are being read; more than {@link MAX_WAITING} waiting requests close the connection
 *   (like nginx, which handles one pipelined request per event, and Envoy, which does not read the next request
 *   while one is in flight).
 * - **Closing.** Once an answer closes the connection (the client's `Connection: close`, a refused request, the
 *   drain), requests pipelined after it are not processed (RFC 9112 §9.6): they would be logged and counted but
 *   never sent. A request that announces a body no operation reads is answered from its head alone and its
 *   connection destroyed as soon as the answer is written (`framing.ts`): Node would otherwise read the whole body
 *   to reach the next request, however long it is. An operation that reads a body does so within its bound
 *   (`request-body.ts`).
 * - **When every answer is written**, for the answer to a malformed request, which comes after those of the
 *   requests before it (`client-error.ts`).
 */
import { IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { DropReason } from '../observability/metrics.js';
import { announcesBody, closeUnread } from './framing.js';

/**
 * Requests of one connection that may wait for its answer in flight. Clients that pipeline send a few; a
 * connection with more is flooding (one 64 KiB read holds ~1,300).
 */
const MAX_WAITING = 16;

/** A request listener; Koa's `app.callback()` returns a promise it settles itself, which nothing here awaits. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Whether the application reads the body of a request (an operation that declares one, `operations.ts`). */
export type ReadsBody = (req: IncomingMessage) => boolean;

/** One open connection. */
class Connection {
  readonly socket: Socket;
  /** The answer being written, until its `finish`. */
  current: ServerResponse | undefined;
  /** Requests that arrived while `current` was being written, in order, as request/answer pairs. */
  waiting: Array<IncomingMessage | ServerResponse> | undefined;
  /** `socket.bytesRead` when its latest request arrived; -1 before the first. */
  readAt = -1;
  /** An answer closes the connection: nothing after it is processed. */
  closing = false;
  /** Reading was stopped while requests wait. */
  paused = false;
  /** Told once every answer is written. */
  whenAnswered: (() => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Idle keep-alive: answered before, nothing in flight or waiting, and nothing read since its latest request. */
  get idle(): boolean {
    return this.readAt >= 0 && this.current === undefined && this.socket.bytesRead === this.readAt;
  }
}

/** How a listener's connections are bounded. */
export interface ConnectionOptions {
  /** Open connections (`MAX_CONNECTIONS`); unbounded when left out. */
  readonly maxConnections?: number | undefined;
  /** Told of every connection closed on the listener's own initiative. */
  readonly dropped?: ((reason: DropReason) => void) | undefined;
}

/** The connections of one server (see the module comment). */
export class Connections {
  /** Open connections in the order they were accepted, so the first idle one is the oldest. */
  readonly #open = new Map<Socket, Connection>();
  readonly #options: ConnectionOptions;
  readonly #onFinish: (this: ServerResponse) => void;
  #listener: RequestListener | undefined;
  #readsBody: ReadsBody | undefined;

  constructor(server: Server, options: ConnectionOptions) {
    this.#options = options;
    server.on('connection', (socket: Socket) => this.#admit(socket));
    const finished = (res: ServerResponse): void => this.#finished(res);
    // One function for every answer, so that no closure is made per request.
    this.#onFinish = function onFinish(this: ServerResponse) {
      finished(this);
    };
  }

  /**
   * The request handler that answers with `listener` under the rules of the module comment. A server has one
   * listener: the requests that wait are answered by the last one given.
   */
  handler(listener: RequestListener, readsBody?: ReadsBody): (req: IncomingMessage, res: ServerResponse) => void {
    this.#listener = listener;
    this.#readsBody = readsBody;
    return (req, res) => {
      const socket = req.socket;
      // A connection closed for pipelining still has the rest of its last read parsed by Node: each request is
      // ended here, so that Node's own abort at the close does not format an error's stack for each (measured: a
      // 64 KiB read of GETs cost 170 million instructions that way, 107 million this way).
      if (socket.destroyed) {
        req.destroy();
        return;
      }
      const connection = this.#open.get(socket);
      if (connection === undefined) return;
      connection.readAt = socket.bytesRead;
      if (connection.current === undefined && !connection.closing) {
        this.#answer(connection, req, res);
        return;
      }
      // Behind an answer in flight, or after one that closes the connection (then never processed, RFC 9112 §9.6).
      const waiting = (connection.waiting ??= []);
      if (waiting.length >= 2 * MAX_WAITING) {
        this.#drop(connection, 'pipelining');
        req.destroy();
        return;
      }
      waiting.push(req, res);
      if (!connection.paused) {
        // Node also pauses a connection whose answers are not being read; this covers requests not yet answered.
        connection.paused = true;
        socket.pause();
      }
    };
  }

  /** Runs `then` once every answer on `socket` has been written (at once if none is in flight). */
  whenAnswered(socket: Socket, then: () => void): void {
    const connection = this.#open.get(socket);
    if (connection === undefined || connection.current === undefined) then();
    else connection.whenAnswered = then;
  }

  #admit(socket: Socket): void {
    const { maxConnections, dropped } = this.#options;
    if (maxConnections !== undefined && this.#open.size >= maxConnections) {
      const idle = this.#oldestIdle();
      if (idle === undefined) {
        socket.destroy();
        dropped?.('max_connections');
        return;
      }
      this.#open.delete(idle.socket);
      idle.socket.destroy();
      dropped?.('idle_evicted');
    }
    this.#open.set(socket, new Connection(socket));
    socket.once('close', () => this.#open.delete(socket));
  }

  #oldestIdle(): Connection | undefined {
    for (const connection of this.#open.values()) if (connection.idle) return connection;
    return undefined;
  }

  #answer(connection: Connection, req: IncomingMessage, res: ServerResponse): void {
    connection.current = res;
    res.on('finish', this.#onFinish);
    if (announcesBody(req.headers) && this.#readsBody?.(req) !== true) closeUnread(req, res);
    this.#listener?.(req, res);
    // Whether the answer closes the connection is known once the listener returns: the public application decides
    // it synchronously (framing refusals, the drain; an operation reading a body can only decide so later, and no
    // request is parsed behind an unread body).
    if (!res.shouldKeepAlive) connection.closing = true;
  }

  #finished(res: ServerResponse): void {
    const connection = this.#open.get(res.req.socket);
    if (connection === undefined || connection.current !== res) return;
    connection.current = undefined;
    const waiting = connection.waiting;
    if (waiting !== undefined && waiting.length > 0) {
      if (connection.closing) waiting.length = 0;
      else {
        const [req, next] = waiting.splice(0, 2) as [IncomingMessage, ServerResponse];
        this.#answer(connection, req, next);
        return;
      }
    }
    if (connection.paused) {
      connection.paused = false;
      connection.socket.resume();
    }
    const then = connection.whenAnswered;
    if (then !== undefined) {
      connection.whenAnswered = undefined;
      then();
    }
  }

  #drop(connection: Connection, reason: DropReason): void {
    connection.closing = true;
    connection.socket.destroy();
    for (const waiting of connection.waiting ?? []) if (waiting instanceof IncomingMessage) waiting.destroy();
    connection.waiting = undefined;
    this.#options.dropped?.(reason);
  }
}
