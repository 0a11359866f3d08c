import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The production entry, as operators and the container run it. */
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A spawned production server, with its log lines. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminUrl: string;
  readonly lines: Array<Record<string, unknown>>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/**
 * Spawns `node dist/main.js` on free loopback ports with `env`, and resolves once it logs that it listens
 * (so LOG_LEVEL must be info or lower).
 * `extra` adds flags after the entry.
 */
export async function spawnServer(env: Readonly<Record<string, string>>, extra: readonly string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN, ...extra], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) {
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        if (line.msg === 'listening') resolve(line);
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)));
  });
  const line = await listening;
  return { child, url: `http://127.0.0.1:${String(line.port)}`, adminUrl: `http://127.0.0.1:${String(line.adminPort)}`, lines, exited };
}
