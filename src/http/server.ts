/**
 * Node HTTP servers with bounded resources, and the graceful drain used at shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { BadRequestError } from '../errors.js';
import { errorBody } from './errors.js';
import { SECURITY_HEADERS } from './security-headers.js';

/**
 * Server limits. The keep-alive timeout is above the idle timeouts of common load balancers (AWS ALB 60 s, GCP
 * 600 s is the exception and is configured on the LB side), so the balancer, not this server, closes idle
 * connections and never sends a request into a socket this server is closing.
 */
export const SERVER_LIMITS = Object.freeze({
  /** Time to receive the complete request headers (slowloris bound). */
  headersTimeoutMs: 10_000,
  /** Time to receive the whole request. */
  requestTimeoutMs: 30_000,
  /** Idle time before a keep-alive connection is closed. */
  keepAliveTimeoutMs: 65_000,
  /** Largest accepted request head; these GETs need a few hundred bytes. */
  maxHeaderSize: 16 * 1024,
});

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Creates a server with {@link SERVER_LIMITS}. Malformed HTTP gets a JSON `ApiErrorResponse` 400 instead of Node's empty one. */
export function createLimitedServer(listener: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: SERVER_LIMITS.headersTimeoutMs,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
      maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
    },
    listener,
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Timeouts and resets leave nothing to answer; anything else is a malformed request.
    if (!socket.writable || error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify(
      errorBody(new BadRequestError(tooLarge ? 'The request headers are too large' : 'The request is not valid HTTP'), ''),
    );
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const headers = Object.entries({ ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(`HTTP/1.1 ${status}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}

/** Binds `server`; resolves with the bound port. A bind failure (port in use) rejects. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
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
