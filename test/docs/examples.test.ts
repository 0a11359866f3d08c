/**
 * The documentation says what the program does today: every example output marked `<!-- output: <id> -->` in
 * README.md or docs/ is produced here by the command behind it and compared with the fenced block after the
 * marker; the README's configuration table lists exactly the settings of `src/config.ts` with their defaults; the
 * README stays short; relative links resolve.
 *
 * What varies from run to run (temporary paths, ports, timestamps, digests) is replaced by the fixed values the
 * documentation shows, and nothing else. The server runs as operators run it, `node dist/main.js`, built once by
 * the global setup.
 */
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBreakingChanges } from '../../scripts/spec/check.js';
import { runCommand } from '../../src/cli/command.js';
import { loadConfig, type Config } from '../../src/config.js';
import { Contract } from '../../src/contract/contract.js';
import { resolveMetadata } from '../../src/metadata/metadata.js';
import { verifyCommand } from '../../src/verify/run.js';
import { rsaKey, tempDir } from '../support/keys.js';
import { MAIN, runToEnd, spawnServer } from '../support/process.js';
import { SETTING_NAMES } from '../support/settings.js';
import { oauthMetadata, requireMember, specProject } from '../scripts/spec/helpers.js';
import { privateRsaKey, startFixture, type RunningServer } from '../verify/fixture.js';
import { brokenLinks, markdownFiles, outputBlocks, readDoc, ROOT, tableRows, type OutputBlock } from './support.js';

/** The README is read in five minutes: this many bytes at most. */
const README_MAX_BYTES = 12_000;

/** A ceiling for a loaded machine, not an expectation: the spec:check example runs Optic. */
const EXAMPLE_TIMEOUT = 180_000;

/** Where the examples say the keys are: the image's KEYS_DIR. */
const DOC_KEYS_DIR = '/etc/archera/keys';
/** Where the examples say the application is: the image's WORKDIR. */
const DOC_APP_DIR = '/app';

/** How an example is compared: the whole output, or its lines as an excerpt (each present, in order). */
type Comparison = 'whole' | 'excerpt';

interface Example {
  readonly comparison: Comparison;
  /** Runs the command behind the example; resolves with its output, normalized. */
  readonly produce: () => Promise<string>;
}

/** A keys directory: one published key, and the two refusals the examples show. */
let keysDir: string;
/** A keys directory with one published key. */
let goodKeysDir: string;

beforeAll(() => {
  goodKeysDir = tempDir('wk-docs-keys-');
  keysDir = tempDir('wk-docs-keys-');
  const good = rsaKey().pem;
  writeFileSync(join(goodKeysDir, 'archera-2026-07.pem'), good, { mode: 0o600 });
  writeFileSync(join(keysDir, 'archera-2026-07.pem'), good, { mode: 0o600 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  writeFileSync(join(keysDir, 'ec.pem'), ec.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const smallE = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).privateKey;
  writeFileSync(join(keysDir, 'small-e.pem'), smallE.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
});

/** Runs `node dist/main.js` to its end with exactly `env` (plus PATH). */
function runMain(env: Record<string, string>, args: readonly string[] = [], cwd?: string): ReturnType<typeof runToEnd> {
  return runToEnd(process.execPath, [cwd === undefined ? MAIN : join(cwd, 'dist/main.js'), ...args], { env, cwd });
}

/** `METADATA_FILE` with `members`, in a directory of its own. */
function metadataFile(members: Record<string, unknown>): string {
  const file = join(tempDir('wk-docs-metadata-'), 'metadata.json');
  writeFileSync(file, JSON.stringify(members, null, 2));
  return file;
}

/** Drops the trailing newline a process ends its output with. */
const trimEnd = (text: string): string => text.replace(/\n+$/, '');

/** A port bound on 0.0.0.0 by this test, as another program would hold it. */
let busy: Server;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
});

afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

/** A deployment that publishes a private key and sends no Cache-Control, for the verify example. */
let leaky: RunningServer;

beforeAll(async () => {
  const privateKey = privateRsaKey('2025-01');
  leaky = await startFixture({ noCacheControl: true, jwks: (correct) => ({ keys: [privateKey, ...correct.keys.slice(1)] }) });
});

afterAll(() => leaky.close());

const EXAMPLES: Readonly<Record<string, Example>> = {
  'port-in-use': {
    comparison: 'whole',
    produce: async () => {
      const port = (busy.address() as AddressInfo).port;
      const { stderr } = await runMain({ PORT: String(port), ADMIN_PORT: '0', KEYS_DIR: goodKeysDir });
      return trimEnd(stderr).replace(`PORT: ${port} `, 'PORT: 3000 ');
    },
  },
  'invalid-settings': {
    comparison: 'whole',
    produce: async () => trimEnd((await runMain({ PORT: 'abc', LOG_LEVEL: 'x', KEYS_DIR: goodKeysDir })).stderr),
  },
  'key-refused-log': {
    comparison: 'whole',
    produce: async () => {
      const server = await spawnServer({ KEYS_DIR: keysDir });
      server.child.kill('SIGTERM');
      await server.exited;
      // The lines as pino wrote them: JSON.stringify gives back the same text, members in the same order.
      const refused = server.lines.find((line) => line.msg === 'key refused' && line.kid === 'small-e');
      return JSON.stringify({ ...refused, time: '2026-07-01T12:00:00.000Z' }).replaceAll(keysDir, DOC_KEYS_DIR);
    },
  },
  'metadata-refused': {
    comparison: 'whole',
    produce: async () => {
      const file = metadataFile({ scopes: ['api:read'] });
      const env = { ISSUER: 'https://auth.example.com', METADATA_FILE: file, KEYS_DIR: goodKeysDir, PORT: '0', ADMIN_PORT: '0' };
      return trimEnd((await runMain(env)).stderr);
    },
  },
  'metadata-boot-failure': {
    comparison: 'whole',
    produce: async () => {
      const file = metadataFile({ scopes: ['api:read'], scopes_supported: [] });
      const env = { ISSUER: 'https://auth.example.com/tenant', METADATA_FILE: file, KEYS_DIR: goodKeysDir, PORT: '0', ADMIN_PORT: '0' };
      return trimEnd((await runMain(env)).stderr);
    },
  },
  'metadata-check': {
    // An excerpt: a member openapi.json adds with a default is one more line (the defaults themselves are checked
    // against docs/metadata.md's table below).
    comparison: 'excerpt',
    produce: async () => {
      const { stdout } = await runMain({ ISSUER: 'https://auth.example.com', KEYS_DIR: goodKeysDir }, ['--check']);
      return trimEnd(stdout).replaceAll(join(ROOT, 'openapi.json'), `${DOC_APP_DIR}/openapi.json`).replaceAll(goodKeysDir, DOC_KEYS_DIR);
    },
  },
  'stale-contract': {
    comparison: 'whole',
    produce: async () => {
      // The run stage of the image (dist/, package.json, openapi.json), with an openapi.json edited after the build.
      const app = tempDir('wk-docs-app-');
      cpSync(dirname(MAIN), join(app, 'dist'), { recursive: true });
      copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
      const spec = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as { info: { description?: string } };
      spec.info.description = `${spec.info.description ?? ''} (edited)`;
      writeFileSync(join(app, 'openapi.json'), JSON.stringify(spec, null, 2));
      const { stderr } = await runMain({ KEYS_DIR: goodKeysDir, PORT: '0', ADMIN_PORT: '0' }, [], app);
      return trimEnd(stderr).replaceAll(app, DOC_APP_DIR);
    },
  },
  'keys-check': {
    comparison: 'whole',
    produce: async () => {
      const cli = join(ROOT, 'src/keys/cli.ts');
      const { stdout } = await runToEnd(process.execPath, ['--import', 'tsx', cli, 'check', '--dir', keysDir], { cwd: ROOT });
      return trimEnd(stdout).replaceAll(keysDir, DOC_KEYS_DIR);
    },
  },
  'verify-report': {
    comparison: 'excerpt',
    produce: async () => {
      const out: string[] = [];
      await runCommand(verifyCommand, [leaky.url], { out: (text) => out.push(text), err: () => undefined });
      return out.join('\n').replaceAll(leaky.url, 'https://auth.example.com');
    },
  },
  'spec-check-break': {
    comparison: 'excerpt',
    produce: async () => {
      // As the example says: jwks_uri removed from OAuthMetadata.required, on a branch, whatever openapi.json requires today.
      const project = specProject({ prepare: requireMember('jwks_uri') });
      project.git('checkout', '-q', '-b', 'feature');
      project.editSpec((document) => {
        const metadata = oauthMetadata(document);
        metadata.required = (metadata.required as string[]).filter((name) => name !== 'jwks_uri');
      });
      const section = await checkBreakingChanges(project.dir, undefined);
      const head = project.git('rev-parse', 'HEAD').slice(0, 8);
      // As `npm run spec:check` prints a section: indented lines are details, the others carry its name.
      return section.lines
        .map((line) => (line.startsWith('  ') ? line : `spec:check: ${line}`))
        .join('\n')
        .replaceAll(head, '1a2b3c4d');
    },
  },
};

/**
 * What may differ between an example and today's output without making the example wrong: digests (shortened to
 * 12 hex digits and `…`, as the contract check prints them) and the counts that grow with the contract (its
 * operations, and the totals of `npm run verify`, which checks every operation), so that a contract change leaves
 * the docs true.
 */
function comparable(text: string): string {
  return text
    .replace(/\b[0-9a-f]{12}…/g, '<digest>…')
    .replace(/\(\d+ operations?\)/g, '(<n> operations)')
    .replace(/^(FAILED|PASSED): \d+ passed, \d+ failed, \d+ warnings\b/gm, '$1: <n> passed, <n> failed, <n> warnings');
}

/**
 * The lines of `excerpt` that do not appear in `output` in the same order. A trailing comma does not count: the last
 * member of a JSON object shown in an excerpt gains one when the output has a member after it.
 */
function missingLines(excerpt: string, output: string): string[] {
  const withoutComma = (line: string): string => line.replace(/,$/, '');
  const lines = output.split('\n').map(withoutComma);
  let at = 0;
  const missing: string[] = [];
  for (const line of excerpt.split('\n')) {
    const found = lines.indexOf(withoutComma(line), at);
    if (found === -1) missing.push(line);
    else at = found + 1;
  }
  return missing;
}

const blocks: OutputBlock[] = markdownFiles().flatMap(outputBlocks);

describe('example outputs in README.md and docs/', () => {
  it('every marked example has a command behind it here, and every command here an example', () => {
    expect(blocks.map((block) => block.id).sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it.each(blocks.map((block) => [`${block.file}: ${block.id}`, block] as const))(
    '%s is what the program prints',
    async (_, block) => {
      const example = EXAMPLES[block.id];
      if (example === undefined) throw new Error(`no command for the example "${block.id}"`);
      const output = await example.produce();
      if (example.comparison === 'whole') expect(comparable(block.text)).toBe(comparable(output));
      else expect(missingLines(comparable(block.text), comparable(output))).toEqual([]);
    },
    EXAMPLE_TIMEOUT,
  );
});

describe('README.md', () => {
  it(`is at most ${README_MAX_BYTES} bytes`, () => {
    expect(Buffer.byteLength(readDoc('README.md'))).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  const rows = tableRows(readDoc('README.md'), 'setting');

  it('lists every setting of src/config.ts in its configuration table, in the same order, and no other', () => {
    expect(rows.map(([setting]) => setting)).toEqual(SETTING_NAMES.map((name) => `\`${name}\``));
  });

  it('gives each setting the default src/config.ts applies: a literal value, or "unset"', () => {
    const defaults = loadConfig({});
    for (const [setting = '', documented = ''] of rows) {
      const key = camelCase(setting.replaceAll('`', '')) as keyof Config;
      const actual = defaults[key];
      if (documented.startsWith('unset')) expect({ setting, actual }).toEqual({ setting, actual: undefined });
      else expect({ setting, documented }).toEqual({ setting, documented: `\`${String(actual)}\`` });
    }
  });
});

describe('docs/metadata.md', () => {
  it('lists in its table of defaults exactly the document the service serves with only ISSUER set', () => {
    const issuer = 'https://auth.example.com';
    const rows = tableRows(readDoc('docs/metadata.md'), 'member');
    const documented = Object.fromEntries(
      rows.map(([member = '', value = '']) => [member.replaceAll('`', ''), documentedValue(value, issuer)]),
    );
    const served = resolveMetadata(loadConfig({ ISSUER: issuer }), Contract.load());
    expect(documented).toEqual(JSON.parse(JSON.stringify(served)));
  });
});

/** The value a cell of the table of defaults documents: its first code span, `ISSUER`, a JSON array or a `${ISSUER}` template. */
function documentedValue(cell: string, issuer: string): unknown {
  const code = /`([^`]*)`/.exec(cell)?.[1] ?? cell;
  if (code === 'ISSUER') return issuer;
  if (code.startsWith('[')) return JSON.parse(code) as unknown;
  return code.replaceAll('${ISSUER}', issuer);
}

describe('links between README.md and docs/', () => {
  it.each(markdownFiles())('every relative link of %s resolves, anchors included', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });
});

/** `KEYS_RESCAN_INTERVAL_MS` → `keysRescanIntervalMs`, the Config member of a setting. */
function camelCase(name: string): string {
  return name.toLowerCase().replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
