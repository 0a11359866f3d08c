/**
 * How the bench starts each of the five servers. Every Node server runs on one Node binary with the image's Node
 * flags and `NODE_*` environment (`image-command.ts`), so that the ratios compare code, not settings; ours also as
 * the image runs it otherwise: a mounted key directory and the default configuration.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageCommand } from './image-command.js';
import { nginxConfig, writeDocuments } from './nginx.js';
import type { ServerName, Target } from './processes.js';
import type { Captured } from './responses.js';

/** What every target shares. */
export interface Setup {
  readonly image: ImageCommand;
  /** The Node binary of every Node server. */
  readonly node: string;
  /** Our entry (dist/main.js). */
  readonly entry: string;
  /** Where ours's stdout (its request log) goes. */
  readonly logFile: string;
  /** The run's temporary directory. */
  readonly dir: string;
}

const SERVERS = (file: string): string => fileURLToPath(new URL(`servers/${file}`, import.meta.url));

function nodeServer(setup: Setup, name: ServerName, script: string, args: readonly string[], env: Record<string, string>): Target {
  return {
    name,
    command: (port, adminPort) => ({
      file: setup.node,
      args: [...setup.image.nodeFlags, script, ...args],
      env: { PATH: process.env.PATH ?? '', ...setup.image.env, PORT: String(port), ADMIN_PORT: String(adminPort), ...env },
    }),
    stdout: name === 'ours' ? setup.logFile : '/dev/null',
    ownEtag: false,
  };
}

/** Ours, with a key directory as the image gets one mounted: one RSA 2048 PKCS#8 key, mode 0600. */
export function oursTarget(setup: Setup): Target {
  const keys = join(setup.dir, 'keys');
  mkdirSync(keys, { mode: 0o700 });
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(join(keys, 'bench.pem'), privateKey, { mode: 0o600 });
  // ISSUER fixed, so every start serves the same bytes whatever port it binds.
  return nodeServer(setup, 'ours', setup.entry, setup.image.args, { HOST: '127.0.0.1', ISSUER: 'http://localhost:3000', KEYS_DIR: keys });
}

/** The baselines, answering `captured`; nginx only when `nginx` (its command) is given. */
export function baselineTargets(setup: Setup, captured: Captured, nginx: string | undefined): Target[] {
  const responses = join(setup.dir, 'responses.json');
  writeFileSync(responses, JSON.stringify(captured));
  const replaying = (name: ServerName, file: string): Target => nodeServer(setup, name, SERVERS(file), [], { BENCH_RESPONSES: responses });
  const targets = [
    replaying('koa-minimal', 'koa-minimal.js'),
    replaying('koa-idiomatic', 'koa-idiomatic.js'),
    replaying('bare', 'bare.js'),
  ];
  if (nginx === undefined) return targets;
  const www = writeDocuments(captured, setup.dir);
  const { dir } = setup;
  return [
    ...targets,
    {
      name: 'nginx',
      command: (port) => {
        const config = join(dir, `nginx-${port}.conf`);
        writeFileSync(config, nginxConfig(captured, www, dir, port));
        return { file: nginx, args: ['-p', `${dir}/`, '-c', config, '-e', 'stderr'], env: { PATH: process.env.PATH ?? '' } };
      },
      stdout: '/dev/null',
      ownEtag: true,
    },
  ];
}
