import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';
import { runCommand } from '../../src/cli/command.js';
import { VERIFY_OPTIONS, verifyArgs } from '../../src/verify/args.js';
import { verifyCommand } from '../../src/verify/run.js';
import { successMediaType } from '../support/openapi.js';
import { documentSubjects, startFixture, startServer, type RunningServer } from './fixture.js';

/** Runs `npm run verify` in-process, as `src/verify/cli.ts` does, capturing what it writes. */
async function run(argv: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCommand(verifyCommand, argv, { out: (text) => stdout.push(text), err: (text) => stderr.push(text) });
  return { code, stdout: stdout.join('\n'), stderr };
}

describe('the verify command line', () => {
  it('reads the base URL and the options', () => {
    const argv = ['https://auth.example.com', '--json', '--timeout-ms', '2500', '--origin', 'https://app.example.com'];
    expect(verifyArgs(parseCommandLine(argv, VERIFY_OPTIONS))).toEqual({
      baseUrl: 'https://auth.example.com',
      json: true,
      timeoutMs: 2500,
      origin: 'https://app.example.com',
    });
  });

  it.each([
    [[]],
    [['https://a.example.com', 'https://b.example.com']],
    [['https://a.example.com', '--unknown']],
    [['https://a.example.com', '--timeout-ms', 'soon']],
    [['https://a.example.com', '--timeout-ms', '0']],
    [['https://a.example.com', '--origin', 'https://app.example.com/path']],
  ])('refuses %j as a usage error (exit 2), running nothing', async (argv) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr[0]).toMatch(/^verify: /);
  });
});

describe('npm run verify, in-process', () => {
  let correct: RunningServer;
  let broken: RunningServer;

  beforeAll(async () => {
    correct = await startFixture();
    broken = await startFixture({ noContentType: true });
  });

  afterAll(async () => {
    await Promise.all([correct.close(), broken.close()]);
  });

  it('exits 0 with a PASS line per rule when nothing fails', async () => {
    const { code, stdout, stderr } = await run([correct.url]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^PASS {2}contract\.status +GET \/\.well-known\/oauth-authorization-server: 200$/m);
    expect(stdout).toMatch(/^OK: \d+ passed, 0 failed, 0 warnings$/m);
    expect(stderr.every((line) => line.startsWith('… ['))).toBe(true);
  });

  it('exits 1 with FAIL lines naming rule and member when something fails', async () => {
    const { code, stdout } = await run([broken.url]);
    expect(code).toBe(1);
    // The media type the contract declares for the JWKS, escaped for the pattern.
    const mediaType = successMediaType('/.well-known/jwks.json', 'get').replace(/[/.+]/g, '\\$&');
    expect(stdout).toMatch(
      new RegExp(`^FAIL {2}contract\\.content-type +GET /\\.well-known/jwks\\.json: Content-Type: is missing; must be ${mediaType}$`, 'm'),
    );
    expect(stdout).toMatch(new RegExp(`^FAILED: \\d+ passed, ${documentSubjects().length} failed, 0 warnings$`, 'm'));
  });

  it('prints machine-readable JSON on stdout with --json', async () => {
    const { code, stdout } = await run([broken.url, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      baseUrl: string;
      counts: { fail: number };
      results: { outcome: string; rule: string }[];
    };
    // One failure per document: the contract has one per operation.
    expect(report).toMatchObject({ ok: false, baseUrl: broken.url, counts: { fail: documentSubjects().length } });
    expect(report.results.filter((result) => result.outcome === 'fail').map((result) => result.rule)).toEqual(
      documentSubjects().map(() => 'contract.content-type'),
    );
  });

  it.each([
    [['not a url'], 'verify: "not a url" is not an http(s) URL such as https://auth.example.com'],
    [['not a url', 'another'], 'verify: expected one base URL, got 2'],
    [['https://auth.example.com', '--jsn'], "verify: unknown option '--jsn'"],
    [['https://auth.example.com', '--timeout-ms', 'soon'], 'verify: --timeout-ms: "soon" is not a positive whole number'],
  ])('exits 2 for %j with the reason on one line, then the usage', async (argv, reason) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toEqual([reason, expect.stringMatching(/^usage: npm run verify -- <base-url>/)]);
  });

  it.each([[['--help']], [['-h']], [['https://auth.example.com', '--jsn', '--help']]])(
    'prints the usage on stdout and exits 0 for %j',
    async (argv) => {
      const { code, stdout, stderr } = await run(argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^usage: npm run verify -- <base-url>.*\n[^]*--timeout-ms/);
      expect(stderr).toEqual([]);
    },
  );

  it('exits 1 with one line, and JSON with --json, when the host is unreachable', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const { code, stdout, stderr } = await run([closed.url, '--json']);
    expect(code).toBe(1);
    const last = stderr.at(-1) ?? '';
    expect(last).toMatch(
      /^verify: GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server: connection refused \(ECONNREFUSED\)$/,
    );
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('is wired to `npm run verify` (src/verify/cli.ts): exit code and no stack trace', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const cli = fileURLToPath(new URL('../../src/verify/cli.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', cli, closed.url], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^verify: .*connection refused/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
