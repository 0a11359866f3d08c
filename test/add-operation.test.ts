/**
 * The add-an-operation drill, on a temporary copy of the project: the API team adds a discovery document (shaped
 * like OpenID Connect Discovery's, at a path no real operation will take, so that the drill keeps working once
 * openapi.json grows) to openapi.json, upstream-style (its errors are `4XX`/`default` → `Error`), and follows the
 * loop: `npm run generate`; the type-check names the missing handler and the file that
 * registers handlers, and so does the boot; the handler is written there, as a value source like the metadata's;
 * then the type-check and the suites that cover every operation (the contract suite, the error rendering, the
 * handler registry, `verify` against the server) pass with no test edited. Only openapi.json, generated/ and the
 * handlers file differ from the project afterwards.
 *
 * The drill runs once, before the tests, with a ceiling sized for a loaded 2-core machine; the tests assert on
 * what each step produced.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysDirWith, rsaKey, tempDir } from './support/keys.js';
import { spawnLogged } from './support/process.js';
import { copyProject, runInCopy as runIn, type CopyRun } from './support/project-copy.js';

const ROOT = new URL('..', import.meta.url).pathname;
const PATH = '/.well-known/__drill-discovery__';
const OPERATION = 'getDrillDiscovery';
const SCHEMA_NAME = 'DrillDiscoveryMetadata';
const HANDLERS = 'src/documents/handlers.ts';
/** How vitest names the suites' `describe.each` blocks of the operation. */
const TITLE = `'get' '${PATH}'`;
/** What the copy holds: everything generate, the type-check and the suites read. */
const ENTRIES = [
  'package.json',
  'tsconfig.json',
  'vitest.config.ts',
  '.prettierrc.json',
  '.prettierignore',
  'openapi.json',
  'src',
  'generated',
  'scripts',
  'test',
];
/** The suites that cover every operation of openapi.json, run in the copy. */
const SUITES = ['test/contract.test.ts', 'test/http/errors.test.ts', 'test/documents/registry.test.ts', 'test/verify/own-server.test.ts'];
/**
 * A ceiling for the whole drill, not an expectation: it runs two type-checks, a boot and four suites (which build
 * dist/ first) beside the main suite on a 2-core machine, more than vitest's per-test timeout.
 */
const DRILL_CEILING_MS = 480_000;

/** The operation as the API team writes it: documented, tagged, public, its errors upstream-style. */
const OPERATION_OBJECT = {
  operationId: OPERATION,
  tags: ['Well-Known'],
  summary: PATH,
  description:
    'Returns provider metadata shaped like OpenID Connect Discovery 1.0 §3. No authentication is required as this is a public discovery endpoint.',
  security: [],
  responses: {
    '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${SCHEMA_NAME}` } } } },
    '304': { description: 'Not Modified' },
    '4XX': { $ref: '#/components/responses/DEFAULT_ERROR' },
    default: { $ref: '#/components/responses/DEFAULT_ERROR' },
  },
};

const STRINGS = { type: 'array', items: { type: 'string' } };
const SCHEMA = {
  type: 'object',
  description: 'OpenID Connect Discovery 1.0 §3 provider metadata',
  properties: {
    issuer: { type: 'string' },
    jwks_uri: { type: 'string' },
    response_types_supported: STRINGS,
    subject_types_supported: STRINGS,
    id_token_signing_alg_values_supported: STRINGS,
  },
  required: ['issuer', 'jwks_uri', 'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported'],
  additionalProperties: false,
};

/**
 * The handler, as the README's loop says to write it: a constant source built from the resolved metadata. It reads
 * only the issuer, which RFC 8414 §2 requires whatever openapi.json makes optional.
 */
const HANDLER = `    ${OPERATION}: constantSource({
      issuer: metadata.issuer,
      jwks_uri: \`\${metadata.issuer}/keys\`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    }),
`;

let copy: string;
const temps: string[] = [];
const drill: {
  generate?: { ok: boolean; output: string };
  operations?: string;
  typecheckBefore?: { ok: boolean; output: string };
  bootBefore?: string;
  typecheckAfter?: { ok: boolean; output: string };
  formatAfter?: { ok: boolean; output: string };
  suites?: { ok: boolean; output: string };
  /** The names (`describe > … > it`) of the tests the suites passed. */
  passed?: string[];
  changed?: string[];
} = {};

/** Runs `node <args>` in the copy. */
const runInCopy = (args: readonly string[]): Promise<CopyRun> => runIn(copy, args);

/** Boots the copy's server from source; resolves with its stderr when the boot fails, or 'listening'. */
async function bootCopy(): Promise<string> {
  const keysDir = keysDirWith({ drill: rsaKey() });
  temps.push(keysDir);
  const env = { PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', LOG_LEVEL: 'info', KEYS_DIR: keysDir };
  const server = spawnLogged(process.execPath, ['--import', 'tsx', join(copy, 'src/main.ts')], { cwd: copy, env });
  try {
    await server.listening;
    return 'listening';
  } catch {
    await server.exited;
    return server.stderr();
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await server.exited;
  }
}

/** The files of `entry` in the copy, relative to it. */
function filesOf(entry: string): string[] {
  const path = join(copy, entry);
  if (!statSync(path).isDirectory()) return [entry];
  return readdirSync(path).flatMap((name) => filesOf(join(entry, name)));
}

/** The files of the copied entries that differ from the project's, or that the project lacks. */
function changedFiles(): string[] {
  return ENTRIES.flatMap(filesOf)
    .filter((file) => !existsSync(join(ROOT, file)) || !readFileSync(join(copy, file)).equals(readFileSync(join(ROOT, file))))
    .sort();
}

/** Vitest's JSON report, as much of it as the drill reads. */
interface VitestReport {
  testResults: Array<{ assertionResults: Array<{ status: string; ancestorTitles: string[]; title: string }> }>;
}

beforeAll(async () => {
  copy = copyProject('wk-add-operation-', ENTRIES);
  temps.push(copy);

  // 1. Add the path to openapi.json.
  const specFile = join(copy, 'openapi.json');
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as {
    paths: Record<string, unknown>;
    components: { schemas: Record<string, unknown> };
  };
  spec.paths[PATH] = { get: OPERATION_OBJECT };
  spec.components.schemas[SCHEMA_NAME] = SCHEMA;
  writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);

  // 2. npm run generate.
  drill.generate = await runInCopy(['--import', 'tsx', 'scripts/generate.ts']);
  if (!drill.generate.ok) throw new Error(`npm run generate failed in the copy: ${drill.generate.output}`);
  drill.operations = readFileSync(join(copy, 'generated/operations.ts'), 'utf8');

  // 3. The type-check and the boot name the missing handler and where handlers are registered.
  const tsc = [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', copy];
  drill.typecheckBefore = await runInCopy(tsc);
  drill.bootBefore = await bootCopy();

  // 4. Write the handler where they are registered.
  const handlersFile = join(copy, HANDLERS);
  const handlers = readFileSync(handlersFile, 'utf8');
  const anchor = '  return {\n';
  if (!handlers.includes(anchor)) throw new Error(`${HANDLERS} no longer returns the handler map as the drill expects`);
  writeFileSync(handlersFile, handlers.replace(anchor, anchor + HANDLER));

  // 5. The type-check, the formatting and the suites covering every operation pass, no test edited.
  drill.typecheckAfter = await runInCopy(tsc);
  drill.formatAfter = await runInCopy([join(ROOT, 'node_modules/prettier/bin/prettier.cjs'), '--check', HANDLERS, 'openapi.json']);
  const reportDir = tempDir('wk-add-operation-report-');
  temps.push(reportDir);
  const reportFile = join(reportDir, 'vitest.json');
  drill.changed = changedFiles();
  drill.suites = await runInCopy([
    join(ROOT, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--reporter=json',
    `--outputFile=${reportFile}`,
    ...SUITES,
  ]);
  if (!existsSync(reportFile)) throw new Error(`the suites wrote no report in the copy: ${drill.suites.output}`);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as VitestReport;
  drill.passed = report.testResults.flatMap((file) =>
    file.assertionResults.filter((test) => test.status === 'passed').map((test) => [...test.ancestorTitles, test.title].join(' > ')),
  );
}, DRILL_CEILING_MS);

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('adding an operation to openapi.json', () => {
  it('npm run generate accepts it and lists the operation', () => {
    expect(drill.generate?.ok).toBe(true);
    expect(drill.operations).toContain(`${OPERATION}: { method: 'get', path: '${PATH}', kind: 'document' }`);
  });

  it('the type-check then fails, naming the missing handler in the file that registers handlers', () => {
    expect(drill.typecheckBefore?.ok).toBe(false);
    expect(drill.typecheckBefore?.output).toMatch(
      new RegExp(
        `^${HANDLERS.replaceAll('.', '\\.')}\\(\\d+,\\d+\\): error TS2741: Property '${OPERATION}' is missing in type .* but required in type 'Handlers'\\.$`,
        'm',
      ),
    );
  });

  it('the boot refuses it, naming the operation and the file where handlers go', () => {
    expect(drill.bootBefore).toContain(
      `openapi.json defines operations with no handler: ${OPERATION} (GET ${PATH}); register their handlers in ${HANDLERS}`,
    );
  });

  it('with its handler written there, the type-check passes and the handler is formatted', () => {
    expect(drill.typecheckAfter).toEqual({ ok: true, output: '' });
    expect(drill.formatAfter?.ok, drill.formatAfter?.output).toBe(true);
  });

  it('the suites covering every operation pass for it, with no test edited', () => {
    expect(drill.suites?.ok, drill.suites?.output).toBe(true);
    // They ran for the new operation: its 200, its 405, its upstream-style errors.
    expect(drill.passed).toContain(`${TITLE} > answers 200 with a body that validates against its schema`);
    expect(drill.passed).toContain(`${TITLE} > answers POST with 405, an Allow header and the body declared for a 405`);
    expect(drill.passed).toContain(
      `errors of the operations of openapi.json > ${TITLE} > DocumentUnavailableError, routed to the operation: the body declared for its status`,
    );
    expect(drill.changed).toEqual(['generated/contract.js', 'generated/openapi.ts', 'generated/operations.ts', 'openapi.json', HANDLERS]);
  });
});
