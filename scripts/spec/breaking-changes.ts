/**
 * Breaking changes between two versions of the contract, as Optic's standard breaking-changes ruleset judges
 * them for clients (`optic diff base head --check`): a removed operation, response status or response property,
 * a required response property made optional, a changed response property type, an enum value a client may not
 * know, a new or newly required request parameter, a removed request enum value, and so on. Additions that
 * clients can ignore (a new optional property, a new operation) are not breaking.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonSyntaxProblem } from '../../src/json-file.js';
import { sourcePointer } from './source-pointer.js';
import { failureSummary, runTool } from './tools.js';

/** One breaking change, named as a client meets it and located in the file that defines it. */
export interface BreakingChange {
  /** Optic's rule, e.g. `prevent making response property optional`. */
  readonly rule: string;
  /** Where a client meets it, e.g. `GET /a response 200 response body: application/json property x`. */
  readonly at: string;
  /** What changed, e.g. `cannot make required response property 'x' optional.` */
  readonly change: string;
  /** The file that defines the changed node: the base contract for a removal, the new one otherwise. */
  readonly file: 'base' | 'head';
  /** RFC 6901 pointer of the changed node in that file (following `$ref`s), when it can be traced. */
  readonly pointer: string | undefined;
  /** Findings inside a removed node (its responses, properties…), reported as this one. */
  readonly inside: number;
}

/** Optic failed to compare the two documents (e.g. one is not a valid OpenAPI document). */
export class CompareError extends Error {
  override readonly name = 'CompareError';
}

/** A check result as Optic records it in `ci-run-details.json`. */
interface OpticResult {
  readonly name: string;
  readonly where: string;
  readonly error?: string;
  readonly passed: boolean;
  readonly severity: number;
  readonly type?: string;
  readonly location: { readonly jsonPath: string; readonly spec: 'before' | 'after' };
}

interface OpticRunDetails {
  readonly completed: ReadonlyArray<{ readonly comparison: { readonly results: readonly OpticResult[] } }>;
  readonly failed: ReadonlyArray<{ readonly error: unknown }>;
}

/** Optic's `Severity.Error`; lower severities do not fail `optic diff --check` either. */
const SEVERITY_ERROR = 2;

/**
 * The standard Optic applies, passed explicitly so that nothing in the compared documents can choose another
 * (an `x-optic-standard` key would even be fetched as a URL). Optic's default skips every check when
 * `info.version` changes major version; here a break is a break whatever the version says, and the only way
 * to ship one is an acknowledgement.
 */
const OPTIC_STANDARD = 'ruleset:\n  - breaking-changes:\n      skip_when_major_version_changes: false\n';

/**
 * Runs Optic in a scratch directory. With `CI=true` Optic writes its check results as JSON to
 * `ci-run-details.json` in its working directory (what `optic ci comment` reads); the terminal report is for
 * people only.
 */
async function runOptic(baseFile: string, headFile: string, scratch: string): Promise<OpticRunDetails> {
  const standard = join(scratch, 'standard.yml');
  writeFileSync(standard, OPTIC_STANDARD);
  const run = await runTool('@useoptic/optic', ['diff', baseFile, headFile, '--check', '--standard', standard], {
    cwd: scratch,
    env: { CI: 'true' },
  });
  let details: OpticRunDetails;
  try {
    details = JSON.parse(readFileSync(join(scratch, 'ci-run-details.json'), 'utf8')) as OpticRunDetails;
  } catch {
    throw new CompareError(failureSummary('optic diff', run));
  }
  const failure = details.failed[0];
  if (failure !== undefined)
    throw new CompareError(failureSummary('optic diff', { code: run.code, stdout: String(failure.error), stderr: '' }));
  return details;
}

/**
 * `text` parsed as JSON; invalid JSON is a {@link CompareError} naming `source` with the line and column, quoting
 * nothing of the text: `the base openapi.json: invalid JSON at line 3, column 3: expected ',' or '}' after …`.
 */
function parseContract(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CompareError(`${source}: ${jsonSyntaxProblem(error, text)}`);
  }
}

/** Whether `pointer` lies strictly inside `ancestor`. */
function isInside(pointer: string, ancestor: string): boolean {
  return pointer.startsWith(`${ancestor}/`);
}

/**
 * The breaking changes from the contract `baseBytes` to the one in `headFile`. A removed operation or response
 * is reported once, with the properties and responses removed with it counted in `inside`.
 */
export async function findBreakingChanges(baseBytes: Buffer, headFile: string): Promise<BreakingChange[]> {
  const baseDocument = parseContract(baseBytes.toString('utf8'), 'the base openapi.json');
  const scratch = mkdtempSync(join(tmpdir(), 'spec-check-'));
  try {
    const baseFile = join(scratch, 'base.json');
    writeFileSync(baseFile, baseBytes);
    const details = await runOptic(baseFile, headFile, scratch);
    // `x-optic-exemptions` in a document marks a result exempted; it counts all the same (see OPTIC_STANDARD).
    const failed = details.completed
      .flatMap((spec) => spec.comparison.results)
      .filter((result) => !result.passed && result.severity >= SEVERITY_ERROR);
    const removals = failed.filter((result) => result.type === 'removed');
    const documents = { before: baseDocument, after: parseContract(readFileSync(headFile, 'utf8'), headFile) };
    const reported = failed.filter(
      (result) =>
        !removals.some(
          (removal) => removal.location.spec === result.location.spec && isInside(result.location.jsonPath, removal.location.jsonPath),
        ),
    );
    return reported.map((result) => ({
      rule: result.name,
      at: result.where,
      change: (result.error ?? result.name).replace(/\s*This is a breaking change\.?$/, ''),
      file: result.location.spec === 'before' ? 'base' : 'head',
      pointer: sourcePointer(documents[result.location.spec], result.location.jsonPath),
      inside:
        result.type === 'removed'
          ? failed.filter(
              (other) => other.location.spec === result.location.spec && isInside(other.location.jsonPath, result.location.jsonPath),
            ).length
          : 0,
    }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
