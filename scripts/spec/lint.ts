/**
 * Lints `openapi.json` with Redocly CLI and the committed ruleset (`redocly.yaml`). Findings inherited from the
 * upstream exports are listed in the committed baseline (`openapi.lint-baseline.yaml`), each with the reason it
 * is accepted; any other finding fails, and so does a baseline entry that no longer matches a finding (the
 * baseline only shrinks).
 */
import { join } from 'node:path';
import { readReviewedList } from './reviewed-list.js';
import { failureSummary, runTool } from './tools.js';

/** The committed ruleset. */
export const LINT_CONFIG_FILE = 'redocly.yaml';
/** The committed baseline of accepted findings. */
export const LINT_BASELINE_FILE = 'openapi.lint-baseline.yaml';

const FIELDS = ['rule', 'pointer', 'reason'] as const;

/** An accepted finding: a rule at an RFC 6901 pointer of `openapi.json`, with the reason. */
export type BaselineEntry = Record<(typeof FIELDS)[number], string>;

/** One finding of the linter. */
export interface LintFinding {
  readonly rule: string;
  readonly severity: string;
  readonly message: string;
  /** RFC 6901 pointer (URI fragment form) of the node the finding is about. */
  readonly pointer: string;
  /** `line:column` in the linted file. */
  readonly position: string;
}

/** The linter could not run or its output could not be read. */
export class LintError extends Error {
  override readonly name = 'LintError';
}

/** What the lint concluded. */
export interface LintOutcome {
  readonly newFindings: LintFinding[];
  readonly baselined: number;
  readonly staleEntries: BaselineEntry[];
}

interface RedoclyReport {
  readonly totals: { readonly ignored: number };
  readonly problems: ReadonlyArray<{
    readonly ruleId: string;
    readonly severity: string;
    readonly message: string;
    readonly location: ReadonlyArray<{ readonly pointer?: string; readonly start?: { readonly line: number; readonly col: number } }>;
  }>;
}

/** Runs Redocly CLI's `lint` on `specFile` (relative to `root`) with the ruleset in `root`. */
async function redoclyLint(root: string, specFile: string): Promise<LintFinding[]> {
  const run = await runTool(
    '@redocly/cli',
    ['lint', specFile, '--config', LINT_CONFIG_FILE, '--lint-config', 'error', '--format', 'json'],
    { cwd: root },
  );
  let report: RedoclyReport;
  try {
    report = JSON.parse(run.stdout) as RedoclyReport;
  } catch {
    throw new LintError(failureSummary('redocly lint', run));
  }
  if (report.totals.ignored > 0) {
    throw new LintError(
      `redocly ignored ${report.totals.ignored} finding(s) through a .redocly.lint-ignore.yaml; accepted findings belong in ${LINT_BASELINE_FILE}, with a reason each`,
    );
  }
  return report.problems.map((problem) => {
    const location = problem.location[0];
    return {
      rule: problem.ruleId,
      severity: problem.severity,
      message: problem.message,
      pointer: location?.pointer ?? '#/',
      position: location?.start === undefined ? '?' : `${location.start.line}:${location.start.col}`,
    };
  });
}

/** Lints `specFile` in `root` and compares the findings with the baseline there. */
export async function lintContract(root: string, specFile: string): Promise<LintOutcome> {
  const baseline = readReviewedList(join(root, LINT_BASELINE_FILE), 'accepted', FIELDS);
  const findings = await redoclyLint(root, specFile);
  const accepted = (finding: LintFinding, entry: BaselineEntry): boolean =>
    entry.rule === finding.rule && entry.pointer === finding.pointer;
  return {
    newFindings: findings.filter((finding) => !baseline.some((entry) => accepted(finding, entry))),
    baselined: findings.filter((finding) => baseline.some((entry) => accepted(finding, entry))).length,
    staleEntries: baseline.filter((entry) => !findings.some((finding) => accepted(finding, entry))),
  };
}
