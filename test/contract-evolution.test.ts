/**
 * The contract-evolution drill, on a temporary copy of the project: the spec team changes `openapi.json` the ways
 * the README's "Changing the API" allows, all at once, and the whole of `npm test` then passes in the copy with no
 * test edited, since the tests follow `openapi.json` instead of copying it:
 *
 * - (a) a new document with its handler: RFC 9728 OAuth 2.0 Protected Resource Metadata at
 *   `/.well-known/oauth-protected-resource`, written as the README says (operationId, description, tag,
 *   `security: []`, a 200, a 304 and a 4XX);
 * - (b) a new optional member of the metadata (`registration_endpoint`, RFC 7591);
 * - (c) two required members of the metadata made optional (`jwks_uri`, `grant_types_supported`), a breaking
 *   change acknowledged by pasting what `spec:check` prints into `openapi.breaking-changes.yaml` (only the reason
 *   written by hand; the entries are not reformatted);
 * - (d) a new required member of the metadata (`introspection_endpoint`, RFC 7662) and its default where
 *   docs/metadata.md says defaults go: `src/metadata/defaults.ts`, and its row in the defaults table;
 * - (e) the JWKS served as `application/jwk-set+json`, RFC 7517 §8.5's media type for a JWK Set, instead of
 *   `application/json` (a break for clients, acknowledged like (c)).
 *
 * The copy is a git repository: the project as it is, committed on `main`, the edits on a branch, so spec:check
 * judges them against the project as the base, as it would a team member's branch. The suite is the README's
 * `npm test`, step by step (generate --check, spec:check, format:check, lint, typecheck, vitest), without the
 * drills themselves. It runs once for all the edits (CI runs the suite on a loaded 2-core machine: one more
 * suite run is what it can afford).
 *
 * A failure names the step and shows what it printed (for the suite: each failed test and its message). To tell
 * the edits apart, `CONTRACT_DRILL=b,c npx vitest run test/contract-evolution.test.ts` applies only those named.
 */
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
/** The drills: each copies the project and runs suites in it, so none runs inside another's copy. */
const DRILLS = [
  'test/add-operation.test.ts',
  'test/spec-evolution.test.ts',
  'test/operations-drill.test.ts',
  'test/contract-evolution.test.ts',
];
/**
 * A ceiling for the whole drill, not an expectation: a generator run, spec:check twice (Optic, Redocly), the
 * formatter, the linter, the type-check and the whole vitest suite, beside the main suite on a loaded 2-core
 * machine, where the suite alone takes up to ten minutes.
 */
const DRILL_CEILING_MS = 45 * 60_000;
/** How much of a failing step's output the failure shows: its end, where the tools summarise. */
const SHOWN_OUTPUT_CHARS = 6_000;

const PRM_PATH = '/.well-known/oauth-protected-resource';
const PRM_OPERATION = 'getOauthProtectedResource';
const PRM_SCHEMA = 'ProtectedResourceMetadata';
const NEW_OPTIONAL = 'registration_endpoint';
const MADE_OPTIONAL = ['jwks_uri', 'grant_types_supported'];
const NEW_REQUIRED = 'introspection_endpoint';
const JWKS_PATH = '/.well-known/jwks.json';
/** RFC 7517 §8.5. */
const JWK_SET_MEDIA_TYPE = 'application/jwk-set+json';
const REASON = 'Clients read these members only when present; announced in the changelog (the contract-evolution drill).';

type Json = Record<string, any>;

/** An edit of the copy, by its letter in the module doc. */
interface Edit {
  readonly letter: string;
  readonly title: string;
  /** Whether spec:check reports it as a breaking change, which is then acknowledged. */
  readonly breaks: boolean;
  readonly apply: (spec: Json) => void;
}

const STRINGS = { type: 'array', items: { type: 'string' } };

/** RFC 9728 §2, the members this service would publish; `resource` is the one the RFC requires. */
const PRM_SCHEMA_OBJECT = {
  type: 'object',
  description: 'OAuth 2.0 Protected Resource Metadata (RFC 9728 §2)',
  properties: {
    resource: { type: 'string', description: "The protected resource's resource identifier (a URL)" },
    authorization_servers: { ...STRINGS, description: 'Issuer identifiers of the authorization servers it trusts' },
    scopes_supported: { ...STRINGS, description: 'Scope values used in authorization requests for it' },
    bearer_methods_supported: { ...STRINGS, description: 'How it accepts bearer tokens (RFC 6750)' },
    resource_documentation: { type: 'string', description: 'URL of its documentation for developers' },
  },
  required: ['resource'],
  additionalProperties: false,
};

const ERROR_RESPONSE = {
  description: 'Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorResponse' } } },
};

/** The operation as the README's "Changing the API" asks for it. */
const PRM_OPERATION_OBJECT = {
  operationId: PRM_OPERATION,
  tags: ['Well-Known'],
  summary: PRM_PATH,
  description:
    'Returns OAuth 2.0 Protected Resource Metadata as specified in RFC 9728: the authorization servers and scopes of the Archera.ai API. No authentication is required as this is a public discovery endpoint.',
  security: [],
  responses: {
    '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${PRM_SCHEMA}` } } } },
    '304': { description: 'Not Modified: the representation matches If-None-Match (RFC 9110 §15.4.5)' },
    '4XX': ERROR_RESPONSE,
    default: ERROR_RESPONSE,
  },
};

/** The handler, as the README's loop says to write it: a constant source built from the resolved metadata. */
const PRM_HANDLER = `    ${PRM_OPERATION}: constantSource({
      resource: metadata.issuer,
      authorization_servers: [metadata.issuer],
      bearer_methods_supported: ['header'],
    }),
`;

const metadataSchema = (spec: Json): Json => spec.components.schemas.OAuthMetadata;

const EDITS: readonly Edit[] = [
  {
    letter: 'a',
    breaks: false,
    title: `a new document with its handler (RFC 9728, ${PRM_PATH})`,
    apply: (spec) => {
      spec.paths[PRM_PATH] = { get: PRM_OPERATION_OBJECT };
      spec.components.schemas[PRM_SCHEMA] = PRM_SCHEMA_OBJECT;
      insertAfter('src/documents/handlers.ts', '  return {\n', PRM_HANDLER);
    },
  },
  {
    letter: 'b',
    breaks: false,
    title: `a new optional member (${NEW_OPTIONAL})`,
    apply: (spec) => {
      metadataSchema(spec).properties[NEW_OPTIONAL] = {
        type: 'string',
        description: 'URL of the OAuth 2.0 Dynamic Client Registration endpoint (RFC 7591)',
      };
    },
  },
  {
    letter: 'c',
    breaks: true,
    title: `two required members made optional (${MADE_OPTIONAL.join(', ')}), acknowledged as spec:check prints it`,
    apply: (spec) => {
      const schema = metadataSchema(spec);
      schema.required = (schema.required as string[]).filter((name) => !MADE_OPTIONAL.includes(name));
    },
  },
  {
    letter: 'd',
    breaks: false,
    title: `a new required member (${NEW_REQUIRED}) with its default`,
    apply: (spec) => {
      const schema = metadataSchema(spec);
      schema.properties[NEW_REQUIRED] = { type: 'string', description: 'URL of the OAuth 2.0 token introspection endpoint (RFC 7662)' };
      schema.required.push(NEW_REQUIRED);
      // Where docs/metadata.md says a default goes, and its row in the table of defaults there.
      insertAfter('src/metadata/defaults.ts', '  return {\n', `    ${NEW_REQUIRED}: \`\${issuer}/oauth/introspect\`,\n`);
      insertTableRow('docs/metadata.md', 'member', `| \`${NEW_REQUIRED}\` | \`\${ISSUER}/oauth/introspect\` |`);
    },
  },
  {
    letter: 'e',
    title: `the JWKS served as ${JWK_SET_MEDIA_TYPE}`,
    breaks: true,
    apply: (spec) => {
      const ok = spec.paths[JWKS_PATH].get.responses['200'];
      ok.content = { [JWK_SET_MEDIA_TYPE]: ok.content['application/json'] };
    },
  },
];

/** The edits this run applies: all, or those `CONTRACT_DRILL` names (`b,c`). */
function chosenEdits(): readonly Edit[] {
  const chosen = process.env.CONTRACT_DRILL?.split(',').map((letter) => letter.trim());
  if (chosen === undefined || chosen.join('') === '') return EDITS;
  const unknown = chosen.filter((letter) => !EDITS.some((edit) => edit.letter === letter));
  if (unknown.length > 0)
    throw new Error(`CONTRACT_DRILL: no edit ${unknown.join(', ')}; the edits are ${EDITS.map((edit) => edit.letter).join(', ')}`);
  return EDITS.filter((edit) => chosen.includes(edit.letter));
}

let copy: string;
/** Where the copy's suite writes its report. */
let reports: string | undefined;
const edits = chosenEdits();

/** Inserts `text` into the copy's `file` after the first occurrence of `anchor`; an anchor no longer there fails the drill. */
function insertAfter(file: string, anchor: string, text: string): void {
  const path = join(copy, file);
  const content = readFileSync(path, 'utf8');
  const at = content.indexOf(anchor);
  if (at === -1) throw new Error(`${file} no longer holds ${JSON.stringify(anchor)}, where the drill inserts its edit`);
  writeFileSync(path, content.slice(0, at + anchor.length) + text + content.slice(at + anchor.length));
}

/** Adds `row` as the first row of the first Markdown table of the copy's `file` whose first header is `firstHeader`. */
function insertTableRow(file: string, firstHeader: string, row: string): void {
  const path = join(copy, file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = lines.findIndex((line) => new RegExp(`^\\|\\s*${firstHeader}\\s*\\|`).test(line));
  if (header === -1) throw new Error(`${file} no longer has a table headed "${firstHeader}", where the drill adds a row`);
  lines.splice(header + 2, 0, row);
  writeFileSync(path, lines.join('\n'));
}

/** How the name of a step that must fail ends, and the one such step: spec:check before the acknowledgement. */
const EXPECTED_TO_FAIL = '(expected to fail)';
const FIRST_SPEC_CHECK = `npm run spec:check, before the acknowledgement ${EXPECTED_TO_FAIL}`;

/** One step of the drill: what ran, whether it passed, and its output. */
interface Step {
  readonly name: string;
  readonly ok: boolean;
  readonly output: string;
}

const steps: Step[] = [];

/** The environment of the copy's commands: none of the outer run's settings (a CI's SPEC_CHECK_BASE, vitest's own). */
function copyEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? copy, NO_COLOR: '1' };
  for (const name of ['CI', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Runs `node <args>` in the copy and records it as the step `name`. */
function runStep(name: string, args: readonly string[]): Promise<Step> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: copy, env: copyEnv(), maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const step = { name, ok: error === null, output: `${error === null ? '' : `${error.message.split('\n')[0]}\n`}${stdout}${stderr}` };
      steps.push(step);
      resolve(step);
    });
  });
}

const bin = (path: string): string => join(ROOT, 'node_modules', path);

/** Runs git in the copy as the drill's author. */
function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Drill', '-c', 'user.email=drill@test.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd: copy,
    encoding: 'utf8',
  });
}

/** The project's files as git sees them (tracked, and new files not ignored), as they are in the work tree. */
function projectFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return [...new Set(listed.split('\0'))].filter((file) => file !== '' && existsSync(join(ROOT, file)));
}

/** The entries spec:check prints to acknowledge the breaks it found (its indented lines after the advice). */
function printedAcknowledgements(output: string): string {
  const lines = output.split('\n');
  const advice = lines.findIndex((line) => line.includes('If a break is intended, acknowledge it'));
  if (advice === -1) throw new Error(`spec:check printed no acknowledgement:\n${output}`);
  const entries = lines.slice(advice + 1);
  const end = entries.findIndex((line) => !line.startsWith('  '));
  return `${entries.slice(0, end === -1 ? undefined : end).join('\n')}\n`;
}

/** Vitest's JSON report, as much of it as the drill reads. */
interface VitestReport {
  testResults: Array<{
    name: string;
    message?: string;
    assertionResults: Array<{ status: string; fullName: string; failureMessages: string[] }>;
  }>;
}

/** The vitest report of the copy's suite, when it wrote one. */
let report: VitestReport | undefined;

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'wk-contract-evolution-'));
  for (const file of projectFiles()) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  git('init', '-q', '-b', 'main');
  // The link is not the project's (.gitignore names a node_modules directory, which a link is not).
  appendFileSync(join(copy, '.git/info/exclude'), '/node_modules\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'the project');
  git('checkout', '-q', '-b', 'contract-change');

  const specFile = join(copy, 'openapi.json');
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as Json;
  for (const edit of edits) edit.apply(spec);
  writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);

  // The README's loop: generate, then format what was written by hand (the pasted acknowledgement is not).
  if (!(await runStep('npm run generate', ['--import', 'tsx', 'scripts/generate.ts'])).ok) return;
  const written = ['src/documents/handlers.ts', 'src/metadata/defaults.ts', 'docs/metadata.md'];
  if (!(await runStep('npm run format (the files edited by hand)', [bin('prettier/bin/prettier.cjs'), '--write', ...written])).ok) return;
  if (edits.some((edit) => edit.breaks)) {
    const first = await runStep(FIRST_SPEC_CHECK, ['--import', 'tsx', 'scripts/spec-check.ts']);
    if (first.ok) return;
    const file = join(copy, 'openapi.breaking-changes.yaml');
    const pasted = printedAcknowledgements(first.output).replaceAll("reason: ''", `reason: ${REASON}`);
    writeFileSync(file, readFileSync(file, 'utf8') + pasted);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'the contract changes');

  // `npm test`, step by step, each run whatever the previous gave, so that one report names every failure.
  await runStep('npm run generate -- --check', ['--import', 'tsx', 'scripts/generate.ts', '--check']);
  await runStep('npm run spec:check', ['--import', 'tsx', 'scripts/spec-check.ts']);
  await runStep('npm run format:check', [bin('prettier/bin/prettier.cjs'), '--check', '.']);
  await runStep('npm run lint', [bin('eslint/bin/eslint.js'), '.']);
  await runStep('npm run typecheck', [bin('typescript/bin/tsc'), '--noEmit']);
  // Outside the copy, whose suite fails on any file it did not have before.
  reports = mkdtempSync(join(tmpdir(), 'wk-contract-evolution-report-'));
  const reportFile = join(reports, 'vitest.json');
  await runStep('vitest run', [
    bin('vitest/vitest.mjs'),
    'run',
    ...DRILLS.flatMap((drill) => ['--exclude', drill]),
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${reportFile}`,
  ]);
  if (existsSync(reportFile)) report = JSON.parse(readFileSync(reportFile, 'utf8')) as VitestReport;
}, DRILL_CEILING_MS);

afterAll(() => {
  if (reports !== undefined) rmSync(reports, { recursive: true, force: true });
  if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
});

/** What a failed step printed: for the test suite, each failed test and its first message; else the end of its output. */
function failureOf(step: Step): string {
  if (step.name === 'vitest run' && report !== undefined) {
    const failed = report.testResults.flatMap((file) => [
      ...(file.message === undefined || file.message === '' ? [] : [`${file.name}: ${file.message}`]),
      ...file.assertionResults
        .filter((test) => test.status === 'failed')
        .map((test) => `${file.name.replace(copy, '')} > ${test.fullName}:\n${(test.failureMessages[0] ?? '').slice(0, 1500)}`),
    ]);
    if (failed.length > 0) return `${failed.join('\n\n')}\n\nThe end of its output:\n${step.output.slice(-SHOWN_OUTPUT_CHARS)}`;
  }
  return step.output.slice(-SHOWN_OUTPUT_CHARS);
}

describe(`the contract evolves: ${edits.map((edit) => `(${edit.letter}) ${edit.title}`).join('; ')}`, () => {
  it('every step of npm test passes in the copy, with no test edited', () => {
    const expected = [
      'npm run generate',
      'npm run format (the files edited by hand)',
      ...(edits.some((edit) => edit.breaks) ? [FIRST_SPEC_CHECK] : []),
      'npm run generate -- --check',
      'npm run spec:check',
      'npm run format:check',
      'npm run lint',
      'npm run typecheck',
      'vitest run',
    ];
    const unexpected = steps.filter((step) => step.ok === step.name.endsWith(EXPECTED_TO_FAIL));
    const report = unexpected.map((step) => `${step.name} ${step.ok ? 'passed' : 'failed'} in the copy:\n${failureOf(step)}`);
    expect(unexpected.length, `${report.join('\n\n')}\n`).toBe(0);
    expect(steps.map((step) => step.name)).toEqual(expected);
  });

  it.runIf(edits.some((edit) => edit.letter === 'c'))(
    'spec:check named the two members made optional before they were acknowledged',
    () => {
      const first = steps.find((step) => step.name === FIRST_SPEC_CHECK);
      for (const member of MADE_OPTIONAL) expect(first?.output).toContain(`cannot make required response property '${member}' optional.`);
    },
  );

  it.runIf(edits.some((edit) => edit.letter === 'a'))('the suites covering every operation ran for the new document', () => {
    const passed = (report?.testResults ?? []).flatMap((file) =>
      file.assertionResults.filter((test) => test.status === 'passed').map((test) => test.fullName),
    );
    expect(passed.filter((name) => name.includes(`'${PRM_PATH}'`)).length).toBeGreaterThan(0);
  });
});
