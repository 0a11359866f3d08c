/**
 * One connection as Node's HTTP server sees it: a Duplex of ours around the TCP socket, handed to the server with
 * `server.emit('connection', feeder)` (Node documents that any Duplex may be). Node then reads it through its
 * `data` events instead of parsing the socket's reads in C++, so the bytes its parser sees, and when, are decided
 * here (docs/architecture.md, Hostile clients):
 *
 * - **One request at a time.** With nothing in flight, the bytes up to and including the next request head's end
 *   (`\r\n\r\n`) are fed, so the parser makes one request per turn (a partial head is fed as it comes: Node's
 *   `maxHeaderSize` bounds it). While that request is in flight nothing more is fed, except the body it is still
 *   receiving when the application reads one (`request-body.ts`): a `Content-Length` body to its length, a chunked
 *   one up to each `\r\n\r\n` until Node says it is complete. The next request is fed only after the answer has
 *   finished, in a later turn of the event loop (`setImmediate`), so other connections and the admin port get
 *   theirs first. A client that pipelines the usual few requests gets its answers in order, one per turn.
 * - **Reading stops** while anything received waits to be fed: the TCP socket is paused, and TCP flow control
 *   pushes back on the client. An answer is written to the socket before the next request is fed, and a write
 *   completes only once the socket accepts it, so a client that does not read its answers gets nothing more read.
 * - **Floods are closed unparsed.** More than {@link MAX_WAITING} request heads waiting (counted with a bounded
 *   `indexOf`, never parsed), or more than {@link MAX_WAITING_BYTES} waiting, close the connection at once. Node
 *   would otherwise parse all ~1,300 GETs of one 64 KiB read before anything could act.
 * - **Timeouts** Node enforces only on connections it accepted itself are enforced from here
 *   (`connections.ts` asks {@link Feeder.expired}): the head within `headersTimeout` of its first byte, a body
 *   being received within `requestTimeout` of its head.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { DropReason } from '../observability/metrics.js';

/** The end of a request head (RFC 9112 §2.1: the empty line after the fields); Node's parser accepts no other. */
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const CR = 13;
const LF = 10;

/**
 * Requests of one connection that may wait for the one in flight. Clients that pipeline send a few; a connection
 * with more is flooding (one 64 KiB read holds ~1,300 GETs).
 */
const MAX_WAITING = 16;

/**
 * Bytes that may wait to be fed. Reading stops as soon as anything waits, so what waits is at most one socket read
 * (64 KiB); this is the backstop.
 */
const MAX_WAITING_BYTES = 128 * 1024;

/** How many request heads `bytes` holds, counting no further than one past {@link MAX_WAITING}. */
function headEnds(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(HEAD_END); at >= 0 && count <= MAX_WAITING; at = bytes.indexOf(HEAD_END, at + HEAD_END.length)) {
    count += 1;
  }
  return count;
}

/** An answer's `finish`: one function for every answer, so that no closure is made per request. */
function onAnswered(this: ServerResponse): void {
  const feeder = this.req.socket;
  if (feeder instanceof Feeder) feeder.answered(this);
}

/** A written connection is closed, as Node's own sockets are once their last answer is flushed. */
function onFinish(this: Feeder): void {
  this.destroy();
}

/** A TCP connection, fed to Node's HTTP server one request at a time (see the module comment). */
export class Feeder extends Duplex {
  readonly #tcp: Socket;
  readonly #dropped: (reason: DropReason) => void;
  /** Received and not yet fed. */
  #waiting: Buffer = EMPTY;
  /** The last bytes fed (at most 3) while they may be the start of a `\r\n\r\n` that the next bytes complete. */
  #tail: Buffer = EMPTY;
  /** Part of a request head has been fed, not its end. */
  #begun = false;
  /** A head's end has been fed and Node has not begun its request yet. */
  #headFed = false;
  /** The request in flight and its answer, from its head to the answer's `finish`. */
  #request: IncomingMessage | undefined;
  #answer: ServerResponse | undefined;
  /** Body bytes of the request in flight still to feed: a `Content-Length`'s rest, -1 for chunked, 0 for none. */
  #body = 0;
  /**
   * When the head being received began (`performance.now()`), 0 when none is. A new connection waits for its first
   * head from the start, as on Node's own connections, so that one that sends nothing is closed in time too.
   */
  #headSince = performance.now();
  /** When the request in flight began, for its body. */
  #requestSince = 0;
  /** Answered, and nothing received since. */
  #idle = false;
  /** The client has finished sending (TCP FIN): Node hears of it once everything before is fed. */
  #ended = false;
  /** Node has not consumed what was fed (it paused this stream): feeding resumes at `_read`. */
  #stalled = false;
  #pumping = false;
  #scheduled = false;
  #paused = false;
  #whenWritten: (() => void) | undefined;
  #whenAnswered: (() => void) | undefined;
  readonly #pumpLater = (): void => {
    this.#scheduled = false;
    this.#pump();
  };

  constructor(tcp: Socket, dropped: (reason: DropReason) => void) {
    // Strings (the heads Node writes) go to the socket as they are, not copied into buffers.
    super({ decodeStrings: false });
    this.#tcp = tcp;
    this.#dropped = dropped;
    tcp.on('data', (chunk: Buffer) => this.#received(chunk));
    tcp.on('end', () => {
      this.#ended = true;
      this.#pump();
    });
    tcp.on('drain', () => {
      const written = this.#whenWritten;
      this.#whenWritten = undefined;
      written?.();
    });
    tcp.on('timeout', () => this.emit('timeout'));
    tcp.on('error', (error) => this.destroy(error));
    tcp.on('close', () => this.destroy());
    this.once('finish', onFinish);
  }

  /** The client's address, as on the socket. */
  get remoteAddress(): string | undefined {
    return this.#tcp.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#tcp.remotePort;
  }

  /** Node's inactivity and keep-alive timeouts (`server.timeout`, `keepAliveTimeout`), on the socket's activity. */
  setTimeout(ms: number, callback?: () => void): this {
    this.#tcp.setTimeout(ms);
    if (callback !== undefined) this.once('timeout', callback);
    return this;
  }

  /** Keep-alive idle: answered, nothing in flight, nothing received since (what the connection cap evicts). */
  get idle(): boolean {
    return this.#idle;
  }

  /** Nothing in flight or partly received, nothing waiting: closing it loses nothing the client sent. */
  get quiet(): boolean {
    return this.#answer === undefined && !this.#headFed && !this.#begun && this.#waiting.length === 0;
  }

  /** Whether a head has taken more than `headersMs` since its first byte, or a body more than `requestMs`. */
  expired(now: number, headersMs: number, requestMs: number): boolean {
    if (this.#headSince > 0) return now - this.#headSince > headersMs;
    const request = this.#request;
    return request !== undefined && !request.complete && now - this.#requestSince > requestMs;
  }

  /**
   * Node began `req` (its head was fed); `readsBody`: the application reads its body, which is then fed as it
   * comes. False when another request is in flight, which feeding one head at a time never lets happen.
   */
  began(req: IncomingMessage, res: ServerResponse, readsBody: boolean): boolean {
    if (this.#answer !== undefined) return false;
    this.#request = req;
    this.#answer = res;
    this.#headFed = false;
    res.on('finish', onAnswered);
    if (!req.complete) {
      this.#requestSince = performance.now();
      if (readsBody) {
        const chunked = req.headers['transfer-encoding'] !== undefined;
        this.#body = chunked ? -1 : Number(req.headers['content-length']);
        // Inside the feeding loop (the usual case) the loop goes on to the body itself.
        if (this.#waiting.length > 0 && !this.#pumping) this.#schedule();
      }
    }
    return true;
  }

  /** `res` has finished: the next request may be fed, in a later turn. */
  answered(res: ServerResponse): void {
    if (this.#answer !== res) return;
    this.#request = undefined;
    this.#answer = undefined;
    this.#body = 0;
    this.#tail = EMPTY;
    const then = this.#whenAnswered;
    this.#whenAnswered = undefined;
    then?.();
    if (this.#waiting.length > 0 || this.#ended) this.#schedule();
    else this.#idle = true;
  }

  /** Runs `then` once the answer in flight has finished (at once if none is). */
  whenAnswered(then: () => void): void {
    if (this.#answer === undefined) then();
    else this.#whenAnswered = then;
  }

  /** Closes the connection on the listener's own initiative, for `reason`. */
  closeFor(reason: DropReason): void {
    this.destroy();
    this.#dropped(reason);
  }

  override _read(): void {
    if (!this.#stalled) return;
    this.#stalled = false;
    this.#pump();
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#tcp.write(chunk, encoding)) callback();
    else this.#whenWritten = callback;
  }

  override _writev(chunks: Array<{ chunk: Buffer | string; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    const tcp = this.#tcp;
    let accepted = true;
    tcp.cork();
    for (const { chunk, encoding } of chunks) accepted = tcp.write(chunk, encoding);
    tcp.uncork();
    if (accepted) callback();
    else this.#whenWritten = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Node has written its last answer. Nothing more is fed; what the client still sends is read and dropped
    // while the answer is flushed, so that the close is not a reset over unread bytes, which can lose the answer.
    this.#waiting = EMPTY;
    this.#flow();
    this.#tcp.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#waiting = EMPTY;
    this.#tcp.destroy();
    callback(error);
  }

  #received(chunk: Buffer): void {
    if (this.writableEnded) return;
    this.#idle = false;
    const waiting = this.#waiting.length === 0 ? chunk : Buffer.concat([this.#waiting, chunk]);
    this.#waiting = waiting;
    if (waiting.length > MAX_WAITING_BYTES || headEnds(waiting) > MAX_WAITING) {
      this.closeFor('pipelining');
      return;
    }
    this.#pump();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#pumpLater);
  }

  /** Feeds what the rules of the module comment allow. Never re-entered: Node may call back while it parses. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#feedAllowed();
    } finally {
      this.#pumping = false;
    }
    if (this.#ended && this.#waiting.length === 0 && this.#answer === undefined && !this.#headFed && !this.destroyed) {
      this.#ended = false;
      this.push(null);
    }
    this.#flow();
  }

  #feedAllowed(): void {
    while (this.#waiting.length > 0 && !this.writableEnded && !this.destroyed) {
      if (this.readableLength > 0) {
        this.#stalled = true;
        return;
      }
      const request = this.#request;
      if (request !== undefined) {
        // In flight: only the body it is receiving, if the application reads it.
        if (this.#body === 0 || request.complete) return;
        if (this.#body > 0) {
          const length = Math.min(this.#body, this.#waiting.length);
          this.#body -= length;
          this.#feed(length, true);
        } else {
          const end = this.#nextHeadEnd(0);
          this.#feed(end < 0 ? this.#waiting.length : end, end >= 0);
        }
        continue;
      }
      if (this.#headFed) return;
      // Nothing in flight: up to and including the next head's end. Empty lines before a request are skipped by
      // the parser (RFC 9112 §2.2) and are not a head.
      let from = 0;
      if (!this.#begun) while (from < this.#waiting.length && (this.#waiting[from] === CR || this.#waiting[from] === LF)) from += 1;
      const end = this.#nextHeadEnd(from);
      if (end < 0) {
        if (from < this.#waiting.length && !this.#begun) {
          this.#begun = true;
          if (this.#headSince === 0) this.#headSince = performance.now();
        }
        this.#feed(this.#waiting.length, !this.#begun);
        return;
      }
      this.#begun = false;
      this.#headSince = 0;
      this.#headFed = true;
      this.#feed(end, true);
      // Node has usually begun the request by now (`began`); the loop goes on to its body, if it is read.
    }
  }

  /** The offset just past the first `\r\n\r\n` from `from` (one the last bytes fed begin counts), or -1. */
  #nextHeadEnd(from: number): number {
    const tail = this.#tail;
    if (tail.length === 0) {
      const at = this.#waiting.indexOf(HEAD_END, from);
      return at < 0 ? -1 : at + HEAD_END.length;
    }
    const at = Buffer.concat([tail, this.#waiting]).indexOf(HEAD_END);
    return at < 0 ? -1 : at + HEAD_END.length - tail.length;
  }

  /** Hands the first `length` waiting bytes to Node; `atBoundary`: they end a head, a body or a chunked piece. */
  #feed(length: number, atBoundary: boolean): void {
    const waiting = this.#waiting;
    const piece = length === waiting.length ? waiting : waiting.subarray(0, length);
    this.#waiting = length === waiting.length ? EMPTY : waiting.subarray(length);
    if (atBoundary) this.#tail = EMPTY;
    else this.#tail = Buffer.from((piece.length >= 3 ? piece : Buffer.concat([this.#tail, piece])).subarray(-3));
    this.push(piece);
  }

  /** Reads from the socket only while nothing waits to be fed, and always once Node has ended the connection. */
  #flow(): void {
    const pause = this.#waiting.length > 0 && !this.writableEnded;
    if (pause === this.#paused) return;
    this.#paused = pause;
    if (pause) this.#tcp.pause();
    else this.#tcp.resume();
  }
}
