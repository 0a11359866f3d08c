/**
 * `npm run bench`'s harness, without measuring anything (speed is the bench's, never a test's): how it compares
 * two servers' answers, how it reads the image's way of starting the server from a Dockerfile, and `--check`,
 * which starts all five servers once and checks that they answer the same bytes and headers as ours.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { imageCommand } from '../../scripts/bench/image-command.js';
import { nginxConfig } from '../../scripts/bench/nginx.js';
import { differences, type Answer, type Captured } from '../../scripts/bench/responses.js';
import { TempDirs } from '../keys/helpers.js';
import { runToEnd } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const temp = new TempDirs();
afterAll(() => temp.cleanup());

const base64 = (text: string): string => Buffer.from(text).toString('base64');

/** A 200 as a Node server writes it. */
const OURS: Answer = {
  status: 200,
  headers: [
    ['X-Request-Id', '0adf24f3-7974-4dc6-a3ae-5f1c2e9b7d10'],
    ['X-Frame-Options', 'DENY'],
    ['Vary', 'Origin'],
    ['Vary', 'Accept'],
    ['ETag', '"abc"'],
    ['Content-Type', 'application/json'],
    ['Content-Length', '11'],
    ['Date', 'Mon, 07 Dec 2026 13:19:32 GMT'],
    ['Connection', 'keep-alive'],
    ['Keep-Alive', 'timeout=65'],
  ],
  body: base64('{"keys":[]}'),
};

/** The same answer as nginx writes it: its own fields first, another request id and Date, `Server`. */
const SAME_FROM_NGINX: Answer = {
  status: 200,
  headers: [
    ['Server', 'nginx'],
    ['Date', 'Mon, 07 Dec 2026 13:20:01 GMT'],
    ['Content-Type', 'application/json'],
    ['Content-Length', '11'],
    ['Connection', 'keep-alive'],
    ['ETag', '"abc"'],
    ['vary', 'Origin'],
    ['X-Frame-Options', 'DENY'],
    ['Vary', 'Accept'],
    ['X-Request-Id', 'd318ed79fc206321406faf9b7e59365f'],
  ],
  body: base64('{"keys":[]}'),
};

const withHeaders = (answer: Answer, headers: Answer['headers']): Answer => ({ ...answer, headers });

describe('differences', () => {
  it('finds none between the same answer written in another order, at another time, with its own request id', () => {
    expect(differences(OURS, SAME_FROM_NGINX, false)).toEqual([]);
  });

  it('names a field with another value, a missing repeated field and an extra field', () => {
    const other = withHeaders(OURS, [
      ...OURS.headers.filter(([name, value]) => name !== 'X-Frame-Options' && value !== 'Accept'),
      ['X-Frame-Options', 'SAMEORIGIN'],
      ['Cache-Control', 'no-store'],
    ]);
    expect(differences(OURS, other, false)).toEqual([
      'missing x-frame-options: DENY',
      'missing vary: Accept',
      'extra x-frame-options: SAMEORIGIN',
      'extra cache-control: no-store',
    ]);
  });

  it('names another status and another body', () => {
    const other: Answer = { ...OURS, status: 203, body: base64('{"keys":[1]}') };
    expect(differences(OURS, other, false)).toEqual([
      'status 203 instead of 200',
      'body "{\\"keys\\":[1]}"… instead of "{\\"keys\\":[]}"…',
    ]);
  });

  it('compares the ETag by value, or by presence for a server that computes its own', () => {
    const own = withHeaders(
      OURS,
      OURS.headers.map(([name, value]) => [name, name === 'ETag' ? '"6b16b271-b"' : value] as const),
    );
    expect(differences(OURS, own, false)).toEqual(['missing etag: "abc"', 'extra etag: "6b16b271-b"']);
    expect(differences(OURS, own, true)).toEqual([]);
    const none = withHeaders(
      OURS,
      OURS.headers.filter(([name]) => name !== 'ETag'),
    );
    expect(differences(OURS, none, true)).toEqual(['missing etag: (any)']);
  });

  it('requires a request id where ours sends one', () => {
    const none = withHeaders(
      OURS,
      OURS.headers.filter(([name]) => name !== 'X-Request-Id'),
    );
    expect(differences(OURS, none, false)).toEqual(['missing x-request-id: (any)']);
  });
});

describe('imageCommand', () => {
  const dockerfile = (run: string): string =>
    [
      'ARG NODE_IMAGE=node:24.22.3-bookworm-slim',
      'FROM ${NODE_IMAGE} AS build',
      'ENV NODE_OPTIONS=--build-only',
      'CMD ["node", "--build-stage-flag", "build.js"]',
      'FROM ${NODE_IMAGE}',
      'WORKDIR /srv',
      'WORKDIR app',
      run,
    ].join('\n');

  it("reads the final stage's CMD flags, entry and arguments, its NODE_* environment and its Node release", () => {
    const text = dockerfile(
      'ENV NODE_OPTIONS="--max-old-space-size=96 --trace-warnings" KEYS_DIR=/etc/keys\nCMD ["node", "--max-semi-space-size=4", "dist/main.js", "--serve"]',
    );
    expect(imageCommand(text)).toEqual({
      nodeFlags: ['--max-semi-space-size=4'],
      entry: 'dist/main.js',
      args: ['--serve'],
      env: { NODE_OPTIONS: '--max-old-space-size=96 --trace-warnings' },
      nodeRelease: '24.22.3',
    });
  });

  it('reads the Node release of the stage a Debian run stage copies node from', () => {
    const text = [
      'ARG NODE_IMAGE=node:24.22.3-bookworm-slim',
      'ARG DEBIAN_IMAGE=debian:bookworm-slim',
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${DEBIAN_IMAGE}',
      'COPY --from=build /usr/local/bin/node /usr/local/bin/node',
      'CMD ["node", "dist/main.js"]',
    ].join('\n');
    expect(imageCommand(text).nodeRelease).toBe('24.22.3');
  });

  it('takes an absolute entry relative to the WORKDIR, and no flags when the CMD has none', () => {
    expect(imageCommand(dockerfile('CMD ["node", "/srv/app/dist/main.js"]'))).toMatchObject({
      nodeFlags: [],
      entry: 'dist/main.js',
      env: {},
    });
  });

  it('refuses a CMD it cannot run as the image does', () => {
    expect(() => imageCommand(dockerfile('CMD node dist/main.js'))).toThrow(/CMD node dist\/main\.js is not the exec form/);
    expect(() => imageCommand(dockerfile('CMD ["tini", "node", "dist/main.js"]'))).toThrow(/not the exec form/);
    expect(() => imageCommand(dockerfile('ENTRYPOINT ["tini", "--"]\nCMD ["node", "dist/main.js"]'))).toThrow(/ENTRYPOINT/);
    expect(() => imageCommand('FROM node:24\n')).toThrow(/no CMD/);
  });
});

describe('nginxConfig', () => {
  const captured = (value: string): Captured => ({
    '/doc': {
      etag: '"abc"',
      get: { status: 200, headers: [['X-Note', value]], body: base64('{}') },
      notModified: { status: 304, headers: [], body: '' },
    },
  });

  it('refuses a header value nginx would expand as a variable', () => {
    expect(() => nginxConfig(captured('costs $5'), '/www', '/tmp/x', 8080)).toThrow(/cannot write "costs \$5"/);
  });
});

describe('npm run bench -- --check', () => {
  it('starts every server once, finds they answer what ours answers, and leaves nothing behind', async () => {
    // Its own TMPDIR, to see that the bench removes what it created there.
    const tmp = temp.make();
    const result = await runToEnd(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench/main.ts'), '--check', '--no-build'], {
      cwd: ROOT,
      env: { TMPDIR: tmp },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const same = /^same status, body bytes and header fields as ours .*: (.*)$/m.exec(result.stdout)?.[1]?.split(', ');
    const nginxSkipped = /^nginx: skipped: /m.test(result.stdout);
    expect(same).toEqual(['ours', 'koa-minimal', 'koa-idiomatic', 'bare', ...(nginxSkipped ? [] : ['nginx'])]);
    // tsx keeps its compile cache there (tsx-<uid>); the bench's own directory is gone.
    expect(readdirSync(tmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  });
});
