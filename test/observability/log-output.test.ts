/**
 * The server process's log on stdout (`src/observability/log-output.ts`), as operators run it (`node dist/main.js`)
 * with a reader that stops reading and with one that goes away.
 */
import { describe, expect, it } from 'vitest';
import { eventually, get } from '../support/http.js';
import { keysDirWith, rsaKey } from '../support/keys.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const keysDir = keysDirWith({ log: rsaKey() });
/** A ceiling for a loaded machine, not an expectation. */
const CEILING_MS = 20_000;

describe('the log on stdout', () => {
  /** Polls `/metrics` for `log_lines_dropped_total`. */
  const droppedLines = async (server: ServerProcess): Promise<number> =>
    Number(/^log_lines_dropped_total (\d+)$/m.exec((await get(`${server.adminUrl}/metrics`)).body)?.[1] ?? Number.NaN);

  it('not read: answers go on, log lines beyond a bounded buffer are dropped and counted, SIGTERM still exits', async () => {
    const server = await spawnServer({ KEYS_DIR: keysDir });
    try {
      // The reader stops: the pipe fills, then the service's own buffer of lines.
      server.child.stdout?.pause();
      // A 404's line carries its path: 8 KB lines fill both within a few hundred requests.
      const url = `${server.url}/${'x'.repeat(8000)}`;
      let dropped = 0;
      for (let round = 0; round < 40 && dropped === 0; round += 1) {
        const statuses = await Promise.all(
          Array.from({ length: 25 }, () => fetch(url, { signal: AbortSignal.timeout(CEILING_MS) }).then((response) => response.status)),
        );
        expect(statuses.every((status) => status === 404)).toBe(true);
        dropped = await droppedLines(server);
      }
      expect(dropped).toBeGreaterThan(0);
      expect((await get(`${server.adminUrl}/healthz`)).status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('closed: logging stops with one line on stderr and the service keeps answering', async () => {
    const server = await spawnServer({ KEYS_DIR: keysDir });
    try {
      // As `node dist/main.js | head -c 100` once head has exited: the reading end is gone.
      server.child.stdout?.destroy();
      for (let i = 0; i < 50; i += 1) expect((await get(`${server.url}/.well-known/jwks.json`)).status).toBe(200);
      expect(await eventually(() => server.stderr().includes('EPIPE'))).toBe(true);
      for (let i = 0; i < 50; i += 1) expect((await get(`${server.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
      expect(server.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^stdout is closed \(EPIPE\): logging stopped/)]);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
