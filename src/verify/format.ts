/** The human-readable form of a verify report: one line per rule result, then a summary. */
import { describeResult, type Outcome, type Report } from './report.js';

const LABELS: Readonly<Record<Outcome, string>> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN' };

/** `PASS  contract.status  GET /.well-known/jwks.json: 200`, aligned, then `N passed, N failed, N warnings`. */
export function formatReport(report: Report): string {
  const width = Math.max(0, ...report.results.map((result) => result.rule.length));
  const lines = report.results.map(
    (result) => `${LABELS[result.outcome]}  ${result.rule.padEnd(width)}  ${result.subject}: ${describeResult(result)}`,
  );
  const { pass, fail, warn } = report.counts;
  const verdict = report.ok ? 'OK' : 'FAILED';
  return [`verify ${report.baseUrl}`, ...lines, `${verdict}: ${pass} passed, ${fail} failed, ${warn} warnings`].join('\n');
}
