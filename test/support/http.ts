import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * The security headers every public answer carries, written out as docs/architecture.md (Hardening) states them,
 * names lower-cased as Node's client reports them.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'cross-origin',
};

/** A response read completely. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A GET (or other method) through node:http, so tests control the agent and see every header as sent. */
export function get(url: string, headers: Record<string, string> = {}, method = 'GET', agent?: Agent): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a raw TCP connection to the host and port of `url`. */
export function rawSocket(url: string): Socket {
  const { hostname, port } = new URL(url);
  return connect(Number(port), hostname);
}

/**
 * Writes raw bytes to the server and resolves with everything it answers before the connection closes. A reset
 * after the answer (the server closing a connection whose request bytes it left unread) ends it like a close.
 */
export function raw(url: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = rawSocket(url);
    socket.on('connect', () => socket.write(bytes));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => resolve(data));
  });
}

/** One response cut out of raw bytes. Header names are lower-cased. */
export interface ParsedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Splits what a connection received into its responses (each framed by Content-Length, as this server sends). */
export function parseResponses(data: string): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let rest = data;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`incomplete response head: ${JSON.stringify(rest.slice(0, 200))}`);
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

/** Resolves true when `socket` closes, or false after `ceilingMs` (a ceiling for a hung test, not a measurement). */
export function closed(socket: Socket, ceilingMs = 15_000): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ceilingMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** What a client streaming a body saw. */
export interface StreamedBody {
  /** Everything the server answered. */
  readonly answer: string;
  /** Body bytes the client's socket accepted before the server closed the connection. */
  readonly written: number;
  /** Whether the server closed the connection before the client had written `limit` bytes. */
  readonly closedByServer: boolean;
}

/**
 * Sends `head`, then streams body bytes (64 KiB writes, respecting backpressure) until the server closes the
 * connection or `limit` bytes have been written.
 */
export function streamBody(url: string, head: string, limit: number): Promise<StreamedBody> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return new Promise((resolve) => {
    const socket = rawSocket(url);
    let answer = '';
    let written = 0;
    let closedByServer = false;
    socket.on('data', (data) => (answer += data.toString()));
    // EPIPE or ECONNRESET: the server closed the connection under the writes.
    socket.on('error', () => (closedByServer = true));
    socket.on('end', () => (closedByServer = true));
    socket.on('close', () => resolve({ answer, written, closedByServer }));
    const pump = (): void => {
      while (!socket.destroyed && written < limit) {
        written += chunk.length;
        if (!socket.write(chunk)) return;
      }
      if (written >= limit) socket.destroy();
    };
    socket.on('drain', pump);
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
  });
}

/**
 * Polls `check` until it returns true or `timeoutMs` passes; resolves with the last result. The default is a
 * ceiling for a loaded 2-core CI machine, not an expectation of speed: a passing check returns as soon as it holds.
 */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
