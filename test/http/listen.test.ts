/** Binding failures at startup: one line naming the setting and its value, over real sockets where possible. */
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenError } from '../../src/errors.js';
import { listen } from '../../src/http/listen.js';

const PUBLIC = { port: 'PORT', host: 'HOST' } as const;
const ADMIN = { port: 'ADMIN_PORT', host: 'ADMIN_HOST' } as const;

const held: NetServer[] = [];
afterEach(() => {
  for (const server of held.splice(0)) server.close();
});

/** A port on 127.0.0.1 that something else holds. */
async function heldPort(): Promise<number> {
  const holder = createNetServer();
  held.push(holder);
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const address = holder.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** A server whose bind fails with `error`, for failures a test cannot cause reliably (a privileged port, an odd one). */
function failingWith(error: Error & { code: string }): Server {
  const server = createServer();
  server.listen = (() => {
    process.nextTick(() => server.emit('error', error));
    return server;
  }) as Server['listen'];
  return server;
}

async function failure(
  port: number,
  host: string,
  settings: typeof PUBLIC | typeof ADMIN,
  server: Server = createServer(),
): Promise<ListenError> {
  const error: unknown = await listen(server, port, host, settings).then(
    () => server.close(),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ListenError);
  return error as ListenError;
}

describe('listen', () => {
  it('names PORT or ADMIN_PORT and the port when it is in use', async () => {
    const port = await heldPort();
    const error = await failure(port, '127.0.0.1', ADMIN);
    expect(error.code).toBe('ERR_LISTEN');
    expect(error.setting).toBe('ADMIN_PORT');
    expect(error.message).toBe(`ADMIN_PORT: ${port} is already in use on 127.0.0.1 (EADDRINUSE)`);
    expect((await failure(port, '127.0.0.1', PUBLIC)).message).toMatch(/^PORT: \d+ is already in use/);
  });

  it('names HOST and the value when the address is not this machine', async () => {
    const error = await failure(0, '192.0.2.1', PUBLIC);
    expect(error.message).toBe('HOST: "192.0.2.1" is not an address of this machine (EADDRNOTAVAIL)');
  });

  it('names ADMIN_HOST and the value when the name does not resolve', async () => {
    const error = await failure(0, '999.1.1.1', ADMIN);
    expect(error.message).toMatch(/^ADMIN_HOST: "999\.1\.1\.1" .*\((ENOTFOUND|EAI_AGAIN)\)$/);
  });

  it('names the port for a privileged port and both settings for an unknown failure', async () => {
    const denied = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), { code: 'EACCES' });
    expect((await failure(80, '0.0.0.0', PUBLIC, failingWith(denied))).message).toMatch(
      /^PORT: 80 needs a privilege .* on 0\.0\.0\.0 \(EACCES\)$/,
    );
    const odd = Object.assign(new Error('listen EWHATEVER: odd\nsecond line'), { code: 'EWHATEVER' });
    expect((await failure(3000, '0.0.0.0', PUBLIC, failingWith(odd))).message).toBe(
      'HOST/PORT: cannot listen on 0.0.0.0 port 3000: listen EWHATEVER: odd (EWHATEVER)',
    );
  });
});
