/**
 * Binding a listener at startup. A failure is a {@link ListenError}: one line naming the setting that fixes it and
 * its value, never a stack.
 */
import type { Server } from 'node:net';
import { ListenError } from '../errors.js';

/** The settings a listener is configured by, to name in a failure. */
export interface ListenSettings {
  readonly port: 'PORT' | 'ADMIN_PORT';
  readonly host: 'HOST' | 'ADMIN_HOST';
}

/** What each bind or resolve failure means, and whether the port or the address is at fault. */
const FAILURES: Readonly<Record<string, { readonly at: 'port' | 'host'; readonly why: string }>> = {
  EADDRINUSE: { at: 'port', why: 'is already in use' },
  EACCES: { at: 'port', why: 'needs a privilege this process lacks (ports below 1024 need root or CAP_NET_BIND_SERVICE)' },
  EADDRNOTAVAIL: { at: 'host', why: 'is not an address of this machine' },
  ENOTFOUND: { at: 'host', why: 'is neither an IP address nor a name that resolves' },
  EAI_AGAIN: { at: 'host', why: 'could not be resolved (the name server did not answer)' },
  EAI_FAIL: { at: 'host', why: 'could not be resolved' },
  EAFNOSUPPORT: { at: 'host', why: 'is of an address family this machine does not support' },
};

/** The {@link ListenError} for a failure to bind `host`:`port`. */
function listenError(error: NodeJS.ErrnoException, port: number, host: string, settings: ListenSettings): ListenError {
  const code = error.code ?? 'unknown error';
  const failure = FAILURES[code];
  if (failure?.at === 'port') return new ListenError(settings.port, `${port} ${failure.why} on ${host} (${code})`, { cause: error });
  if (failure?.at === 'host') return new ListenError(settings.host, `"${host}" ${failure.why} (${code})`, { cause: error });
  return new ListenError(
    `${settings.host}/${settings.port}`,
    `cannot listen on ${host} port ${port}: ${error.message.split('\n')[0] ?? ''} (${code})`,
    { cause: error },
  );
}

/** Binds `server`; resolves with the bound port, rejects with a {@link ListenError}. */
export function listen(server: Server, port: number, host: string, settings: ListenSettings): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(listenError(error, port, host, settings));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
