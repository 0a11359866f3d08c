/** The verify report: one result per rule and subject, PASS / FAIL / WARN with the evidence. */
import { describeFinding, type Finding, type Rule } from '../rules/finding.js';

/** FAIL breaks the contract or an RFC (exit 1); WARN is an HTTP recommendation (exit 0). */
export type Outcome = 'pass' | 'fail' | 'warn';

/** One line of the report. */
export interface CheckResult {
  readonly outcome: Outcome;
  /** Stable rule id, e.g. `rfc7517.kid-unique`. */
  readonly rule: string;
  /** What was checked: a request (`GET /.well-known/jwks.json`) or a document (`metadata`). */
  readonly subject: string;
  /** The member or header involved, when there is one. */
  readonly member?: string;
  /** What was seen. */
  readonly evidence: string;
}

/** The outcome of `verify`. */
export interface Report {
  readonly baseUrl: string;
  /** True when no result failed. */
  readonly ok: boolean;
  readonly counts: Readonly<Record<Outcome, number>>;
  readonly results: readonly CheckResult[];
}

/** Collects results while the checks run. */
export class ReportBuilder {
  readonly #results: CheckResult[] = [];

  /**
   * Records `findings` of `rule` on `subject`: one result per finding with `severity`, or a PASS with
   * `passEvidence` when there is none.
   */
  check(
    rule: Rule,
    subject: string,
    findings: readonly Finding[],
    passEvidence: string,
    severity: Exclude<Outcome, 'pass'> = 'fail',
  ): void {
    const own = findings.filter((found) => found.rule === rule.id);
    if (own.length === 0) {
      this.#results.push({ outcome: 'pass', rule: rule.id, subject, evidence: passEvidence });
      return;
    }
    for (const found of own) {
      const result = { outcome: severity, rule: rule.id, subject, evidence: found.message };
      this.#results.push(found.member === undefined ? result : { ...result, member: found.member });
    }
  }

  /** {@link ReportBuilder.check} for each of `rules`, each passing with its own summary. */
  checkAll(rules: readonly Rule[], subject: string, findings: readonly Finding[]): void {
    for (const rule of rules) this.check(rule, subject, findings, rule.summary);
  }

  build(baseUrl: string): Report {
    const counts: Record<Outcome, number> = { pass: 0, fail: 0, warn: 0 };
    for (const result of this.#results) counts[result.outcome] += 1;
    return { baseUrl, ok: counts.fail === 0, counts, results: [...this.#results] };
  }
}

/** `member: evidence`, or the evidence alone. */
export function describeResult(result: CheckResult): string {
  return describeFinding({ rule: result.rule, member: result.member, message: result.evidence });
}
