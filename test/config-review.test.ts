/**
 * Every configuration problem in one pass: mixes of invalid settings, each reporting all of its problems in a
 * stable order (the environment's, then KEYS_DIR's, then the metadata's), whether the environment, KEYS_DIR, METADATA_FILE or the issuer is at fault, through
 * `--check` in-process and through the real entry (`node dist/main.js --check` and the boot itself).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check.js';
import { readConfig } from '../src/config.js';
import { reviewConfig } from '../src/config-review.js';
import { keysDirWith, rsaKey } from './support/keys.js';
import { TempDirs } from './keys/helpers.js';
import { MAIN, runToEnd } from './support/process.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const dir = temp.make();
const goodKeys = keysDirWith({ main: rsaKey() });
const aFile = join(dir, 'plain-file');
writeFileSync(aFile, '');
const missing = join(dir, 'absent');
const brokenJson = join(dir, 'broken.json');
writeFileSync(brokenJson, '{\n  "scopes_supported": ["openid"]\n  "token_endpoint": "https://auth.example.com/token"\n}\n');
const httpEndpoint = join(dir, 'http-endpoint.json');
writeFileSync(httpEndpoint, JSON.stringify({ token_endpoint: 'http://auth.example.com/token' }));
const anArray = join(dir, 'array.json');
writeFileSync(anArray, '[]');

interface Mix {
  readonly env: Readonly<Record<string, string>>;
  /** Where the development key directory is, for the mixes without KEYS_DIR. */
  readonly devKeysDir?: string;
  /** Every problem line, in order. */
  readonly problems: readonly RegExp[];
}

/** Mixes of two to four invalid settings; each names everything wrong with it. */
const MIXES: ReadonlyArray<readonly [string, Mix]> = [
  [
    'PORT, ISSUER and LOG_LEVEL: the issuer set explicitly is judged whatever PORT is',
    {
      env: { PORT: 'abc', ISSUER: 'bad', LOG_LEVEL: 'x', KEYS_DIR: goodKeys },
      problems: [/^PORT: "abc" is not a whole number/, /^LOG_LEVEL: "x" is not one of/, /^ISSUER: "bad" is not an absolute URL/],
    },
  ],
  [
    'PORT without ISSUER, KEYS_DIR missing, METADATA_FILE invalid JSON: no issuer is made up from a refused PORT',
    {
      env: { PORT: '99999', KEYS_DIR: missing, METADATA_FILE: brokenJson },
      problems: [
        /^PORT: "99999" is not a whole number/,
        new RegExp(`^KEYS_DIR: keys directory ${missing} cannot be read: no such file or directory \\(ENOENT\\)$`),
        new RegExp(`^METADATA_FILE: ${brokenJson}: invalid JSON at line 3, column 3: `),
      ],
    },
  ],
  [
    'ISSUER with a path, KEYS_DIR a file, KEYS_DEFAULT_ALG, and an http endpoint in METADATA_FILE',
    {
      env: { ISSUER: 'https://auth.example.com/tenant', KEYS_DIR: aFile, KEYS_DEFAULT_ALG: 'HS256', METADATA_FILE: httpEndpoint },
      problems: [
        /^KEYS_DEFAULT_ALG: "HS256" is not one of/,
        new RegExp(`^KEYS_DIR: keys directory ${aFile} cannot be read: not a directory \\(ENOTDIR\\)$`),
        /^ISSUER: "https:\/\/auth\.example\.com\/tenant" has the path component "\/tenant"/,
        /^METADATA_FILE: token_endpoint: "http:\/\/auth\.example\.com\/token" must use https/,
      ],
    },
  ],
  [
    'METADATA_FILE an array, CORS_ORIGINS, ADMIN_PORT equal to PORT, and a misspelled setting',
    {
      env: {
        ISSUER: 'https://auth.example.com',
        KEYS_DIR: goodKeys,
        METADATA_FILE: anArray,
        CORS_ORIGINS: 'app.example.com',
        PORT: '8080',
        ADMIN_PORT: '8080',
        KEYS_DIRECTORY: '/keys',
      },
      problems: [
        /^ADMIN_PORT: 8080 is also PORT/,
        /^CORS_ORIGINS: "app\.example\.com" is not an origin/,
        /^KEYS_DIRECTORY: unknown setting/,
        new RegExp(`^METADATA_FILE: ${anArray} holds an array; it must hold a JSON object`),
      ],
    },
  ],
  [
    'no KEYS_DIR and a development directory that cannot be used, with SHUTDOWN_TIMEOUT_MS',
    {
      env: { ISSUER: 'https://auth.example.com', SHUTDOWN_TIMEOUT_MS: '5' },
      devKeysDir: join(aFile, '.dev-keys'),
      problems: [
        /^SHUTDOWN_TIMEOUT_MS: "5" is not a whole number/,
        new RegExp(`^KEYS_DIR is not set, and the development key directory ${aFile}/\\.dev-keys cannot be used: not a directory`),
      ],
    },
  ],
];

/** The problem lines of a `FAIL invalid configuration:` report or a boot failure, without their bullets. */
function problemLines(text: string): string[] {
  const [head, ...rest] = text.trimEnd().split('\n');
  expect(head).toMatch(/^(?:FAIL )?invalid configuration:$/);
  return rest.map((line) => {
    expect(line).toMatch(/^ {2}- /);
    return line.slice(4);
  });
}

function expectProblems(lines: readonly string[], problems: readonly RegExp[]): void {
  expect(lines).toEqual(problems.map((problem) => expect.stringMatching(problem)));
}

describe('every configuration problem in one pass', () => {
  it.each(MIXES)('%s', async (_name, mix) => {
    const report: string[] = [];
    const code = await runCheck(readConfig(mix.env), (line) => report.push(line), { devKeysDir: mix.devKeysDir });
    expect(code).toBe(1);
    expect(report).toHaveLength(1);
    expectProblems(problemLines(report[0]?.replace(/^FAIL /, '') ?? ''), mix.problems);
  });

  it('a review of a valid configuration finds nothing, and holds the keys and the metadata', async () => {
    const review = await reviewConfig(readConfig({ ISSUER: 'https://auth.example.com', KEYS_DIR: goodKeys }));
    expect(review.problems).toEqual([]);
    expect(review.metadata?.issuer).toBe('https://auth.example.com');
    expect(review.keys?.jwks.keys).toHaveLength(1);
  });
});

describe('through the real entry', () => {
  // The mixes whose every input lies in the environment (the others point --check at a test directory).
  const entryMixes = MIXES.filter(([, mix]) => mix.devKeysDir === undefined);

  it.each(entryMixes)('node dist/main.js --check: %s', async (_name, mix) => {
    const result = await runToEnd(process.execPath, [MAIN, '--check'], { env: mix.env });
    expect(result).toMatchObject({ code: 1, stderr: '' });
    expect(result.stdout.startsWith('FAIL invalid configuration:\n')).toBe(true);
    expectProblems(problemLines(result.stdout), mix.problems);
  });

  it.each(entryMixes)('node dist/main.js stops the boot with the same list: %s', async (_name, mix) => {
    const result = await runToEnd(process.execPath, [MAIN], { env: mix.env });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expectProblems(problemLines(result.stderr), mix.problems);
  });
});
