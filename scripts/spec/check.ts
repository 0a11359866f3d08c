/**
 * The contract checks behind `npm run spec:check`, on the project in `root`:
 *
 * 1. Breaking changes: `openapi.json` as it is in the work tree is compared with the base contract (default:
 *    the merge-base of HEAD with the default branch, or HEAD's first parent on it; see `git-base.ts`). Each
 *    breaking change fails, named with where a client meets it and where it is defined, unless
 *    `openapi.breaking-changes.yaml` acknowledges it for that base (see `acknowledgements.ts`).
 * 2. Lint: Redocly CLI with the committed ruleset; findings not in the baseline fail (see `lint.ts`).
 */
import { join } from 'node:path';
import { loadSpecFile, specDigest } from '../../src/contract/spec.js';
import { ACKNOWLEDGEMENTS_FILE, acknowledgementTemplate, applyAcknowledgements, baseId, readAcknowledgements } from './acknowledgements.js';
import { findBreakingChanges, type BreakingChange } from './breaking-changes.js';
import { resolveBase, type BaseRef } from './git-base.js';
import { LINT_BASELINE_FILE, LINT_CONFIG_FILE, lintContract } from './lint.js';

const SPEC_FILE = 'openapi.json';

/** The report of one check: whether it passed, and its lines (indented lines are details). */
export interface Section {
  readonly ok: boolean;
  readonly lines: string[];
}

function describe(change: BreakingChange): string {
  const inside = change.inside === 0 ? '' : ` (+${change.inside} removed inside it)`;
  const defined = change.pointer === undefined ? '' : ` at ${change.file === 'base' ? 'base ' : ''}${SPEC_FILE}${change.pointer}`;
  return `  ${change.at}: ${change.change} [${change.rule}]${inside}${defined}`;
}

async function breakingReport(root: string, named: BaseRef | undefined): Promise<Section> {
  const specPath = join(root, SPEC_FILE);
  const acknowledgementsPath = join(root, ACKNOWLEDGEMENTS_FILE);
  const acknowledgements = readAcknowledgements(acknowledgementsPath);
  const base = await resolveBase(root, specPath, named);
  const title = `${SPEC_FILE} against ${base.label}`;
  if (base.bytes === undefined) return { ok: true, lines: [`${title}: the base has no ${SPEC_FILE}, so nothing released can break`] };
  const head = loadSpecFile(specPath).bytes;
  // Identical bytes cannot differ: Optic (the slowest step) is skipped, as on a clean checkout of main.
  const changes = head.equals(base.bytes) ? [] : await findBreakingChanges(base.bytes, specPath);
  const id = baseId(specDigest(base.bytes));
  const { unacknowledged, acknowledged, unused } = applyAcknowledgements(acknowledgements, id, changes);
  const lines: string[] = [];
  const noted = acknowledged.length === 0 ? '' : ` (${acknowledged.length} acknowledged in ${ACKNOWLEDGEMENTS_FILE})`;
  if (unacknowledged.length === 0) {
    lines.push(`${title}: no breaking changes${noted}`);
  } else {
    lines.push(`${title}: ${unacknowledged.length} breaking change(s)${noted}:`, ...unacknowledged.map(describe));
    lines.push(
      `If a break is intended, acknowledge it: add its entry below to "acknowledged:" in ${ACKNOWLEDGEMENTS_FILE} and write the reason (docs/verify-and-ci.md).`,
      // Indented as entries under `acknowledged:` are, which also marks them as details.
      ...(await acknowledgementTemplate(acknowledgementsPath, id, unacknowledged)).trimEnd().split('\n'),
    );
  }
  for (const entry of unused) {
    lines.push(
      `${ACKNOWLEDGEMENTS_FILE}: acknowledged[${acknowledgements.indexOf(entry)}] (${entry.at}: ${entry.change}) matches no breaking change against this base; remove it`,
    );
  }
  return { ok: unacknowledged.length === 0 && unused.length === 0, lines };
}

async function lintReport(root: string): Promise<Section> {
  const outcome = await lintContract(root, SPEC_FILE);
  const lines: string[] = [];
  const accepted = `${outcome.baselined} accepted in ${LINT_BASELINE_FILE}`;
  if (outcome.newFindings.length === 0) {
    lines.push(`lint (${LINT_CONFIG_FILE}): no new findings (${accepted})`);
  } else {
    lines.push(`lint (${LINT_CONFIG_FILE}): ${outcome.newFindings.length} new finding(s) (${accepted}):`);
    for (const finding of outcome.newFindings) {
      lines.push(`  ${SPEC_FILE}:${finding.position} ${finding.rule} (${finding.severity}): ${finding.message} at ${finding.pointer}`);
    }
    lines.push(`Fix the contract; only a finding inherited from the upstream exports goes into ${LINT_BASELINE_FILE}, with its reason.`);
  }
  for (const entry of outcome.staleEntries) {
    lines.push(`${LINT_BASELINE_FILE}: ${entry.rule} at ${entry.pointer} no longer occurs; remove the entry`);
  }
  return { ok: outcome.newFindings.length === 0 && outcome.staleEntries.length === 0, lines };
}

/** A check that could not run is a failed section with its one-line reason. */
function failed(error: unknown): Section {
  return { ok: false, lines: [error instanceof Error ? error.message : String(error)] };
}

/**
 * Check 1 on the project in `root`: breaking changes against the base the user named (undefined: the default
 * base). When it cannot run (no base, Optic failing), the section fails, saying why in one line.
 */
export function checkBreakingChanges(root: string, base: BaseRef | undefined): Promise<Section> {
  return breakingReport(root, base).catch(failed);
}

/** Check 2 on the project in `root`: lint against the baseline. When it cannot run, the section fails, saying why in one line. */
export function checkLint(root: string): Promise<Section> {
  return lintReport(root).catch(failed);
}

/** Both checks, side by side; an `openapi.json` that is not even a JSON object is one failed section. */
export async function checkContract(root: string, base: BaseRef | undefined): Promise<Section[]> {
  try {
    // Neither tool says clearly that a file is not JSON at all.
    loadSpecFile(join(root, SPEC_FILE));
  } catch (error) {
    return [failed(error)];
  }
  return Promise.all([checkBreakingChanges(root, base), checkLint(root)]);
}
