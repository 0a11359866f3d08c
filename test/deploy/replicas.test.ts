/**
 * Replicas agree: three `node dist/main.js` processes on one keys directory in the Kubernetes Secret volume
 * layout serve byte-identical bodies and ETags, and converge together, without a failed request, when the
 * kubelet swaps `..data` (KEYS_RESCAN_INTERVAL_MS left at its default).
 */
import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, get, type RawResponse } from '../support/http.js';
import { rsaKey, tempDir } from '../support/keys.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { envOf, mainContainer, readManifests } from '../../scripts/deploy/manifests.js';

const JWKS = '/.well-known/jwks.json';
const METADATA = '/.well-known/oauth-authorization-server';
/**
 * How long to wait for each step before failing: a ceiling for a loaded machine, not a measurement (the README's
 * 2 s is the watcher plus KEYS_RESCAN_INTERVAL_MS; speed belongs in a benchmark, not in this test).
 */
const CEILING_MS = 60_000;
/** Answers each replica must give before and after the swap, so that "no failed request" covers both. */
const ANSWERS = 5;

// The manifest's ISSUER: with the default issuer each replica would derive it from its own port.
const { ISSUER } = envOf(mainContainer(readManifests().one('Deployment')));
const keysDir = tempDir('wk-replicas-');
const firstStamp = '..2026_11_28_00_00_00.000000001';
const secondStamp = '..2026_11_28_00_05_00.000000002';
const current = rsaKey();
const next = rsaKey();

/** Writes one version of the volume in a timestamped directory (the kubelet's first step). */
function writeVersion(stamp: string, files: Record<string, string>): void {
  mkdirSync(join(keysDir, stamp));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(keysDir, stamp, name), content, { mode: 0o644 });
}

/** Adds the top-level `<name> -> ..data/<name>` symlinks that do not exist yet. */
function linkTopLevel(names: readonly string[]): void {
  for (const name of names) if (!readdirSync(keysDir).includes(name)) symlinkSync(posix.join('..data', name), join(keysDir, name));
}

let replicas: ServerProcess[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

beforeAll(async () => {
  writeVersion(firstStamp, { 'key.pem': current.pem });
  symlinkSync(firstStamp, join(keysDir, '..data'));
  linkTopLevel(['key.pem']);
  replicas = await Promise.all([1, 2, 3].map(() => spawnServer({ KEYS_DIR: keysDir, ISSUER: ISSUER!, LOG_LEVEL: 'info' })));
});

afterAll(async () => {
  agent.destroy();
  for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill('SIGTERM');
  await Promise.all(replicas.map((replica) => replica.exited));
  rmSync(keysDir, { recursive: true, force: true });
});

const fetchAll = (path: string, headers: Record<string, string> = {}): Promise<RawResponse[]> =>
  Promise.all(replicas.map((replica) => get(`${replica.url}${path}`, headers, 'GET', agent)));
const kidsOf = (body: string): string[] => (JSON.parse(body) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);

describe('three replicas on one Kubernetes Secret volume', () => {
  it.each([JWKS, METADATA])('serve byte-identical %s with the same strong ETag', async (path) => {
    const responses = await fetchAll(path);
    for (const response of responses) expect(response.status).toBe(200);
    expect(new Set(responses.map((response) => response.body)).size).toBe(1);
    const etags = new Set(responses.map((response) => response.headers.etag));
    expect(etags.size).toBe(1);
    expect([...etags][0]).toMatch(/^"[^"]+"$/);
    if (path === JWKS) expect(kidsOf(responses[0]!.body)).toEqual(['key']);
  });

  it.each([JWKS, METADATA])('answer 304 to an ETag any other replica issued for %s (what a CDN revalidates with)', async (path) => {
    const [first] = await fetchAll(path);
    const revalidated = await fetchAll(path, { 'If-None-Match': String(first!.headers.etag) });
    for (const response of revalidated) {
      expect(response.status).toBe(304);
      expect(response.body).toBe('');
      expect(response.headers.etag).toBe(first!.headers.etag);
    }
  });

  it(
    'converge after a ..data swap, with no failed request on any replica',
    async () => {
      const [before] = await fetchAll(JWKS);
      const failures: string[] = [];
      const latest: Array<RawResponse | undefined> = replicas.map(() => undefined);
      const answers = replicas.map(() => ({ before: 0, after: 0 }));
      const converged = (): boolean =>
        latest.every((response) => response !== undefined && kidsOf(response.body).includes('next')) &&
        new Set(latest.map((response) => `${response!.headers.etag} ${response!.body}`)).size === 1;
      const waitUntil = async (check: () => boolean, what: string): Promise<void> => {
        if (!(await eventually(check, CEILING_MS)))
          throw new Error(`no ${what} within ${CEILING_MS} ms: ${JSON.stringify({ answers, failures })}`);
      };

      // A request loop on every replica, one request every 20 ms, until told to stop.
      let swapped = false;
      let stop = false;
      const hammer = async (index: number): Promise<void> => {
        while (!stop) {
          try {
            const response = await get(`${replicas[index]!.url}${JWKS}`, {}, 'GET', agent);
            if (response.status !== 200) failures.push(`replica ${index}: ${response.status} ${response.body}`);
            else latest[index] = response;
            answers[index]![swapped ? 'after' : 'before'] += 1;
          } catch (error) {
            failures.push(`replica ${index}: ${(error as Error).message}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const loops = replicas.map((_, index) => hammer(index));
      try {
        await waitUntil(() => answers.every((count) => count.before >= ANSWERS), 'answers from every replica before the swap');

        // The kubelet's atomic writer: new timestamped directory, ..data_tmp symlink renamed over ..data, the new
        // top-level symlink, then the old directory removed.
        writeVersion(secondStamp, { 'key.pem': current.pem, 'next.pem': next.pem });
        symlinkSync(secondStamp, join(keysDir, '..data_tmp'));
        renameSync(join(keysDir, '..data_tmp'), join(keysDir, '..data'));
        linkTopLevel(['key.pem', 'next.pem']);
        rmSync(join(keysDir, firstStamp), { recursive: true });
        swapped = true;
        await waitUntil(() => converged() && answers.every((count) => count.after >= ANSWERS), 'convergence on the new key set');
      } finally {
        stop = true;
        await Promise.all(loops);
      }

      expect(failures).toEqual([]);
      const after = latest[0]!;
      expect(kidsOf(after.body)).toEqual(['key', 'next']);
      expect(after.headers.etag).not.toBe(before!.headers.etag);
      // And a fresh request to each confirms it: identical bytes and ETag everywhere.
      const confirmed = await fetchAll(JWKS);
      expect(new Set(confirmed.map((response) => `${response.status} ${response.headers.etag} ${response.body}`)).size).toBe(1);
      expect(confirmed[0]!.body).toBe(after.body);
    },
    3 * CEILING_MS,
  );

  it('every replica is still alive and ready afterwards', async () => {
    for (const replica of replicas) {
      expect(replica.child.exitCode).toBeNull();
      expect((await get(`${replica.adminUrl}/readyz`)).status).toBe(200);
    }
  });
});
