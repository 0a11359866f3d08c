/**
 * The key summary operators read, from `npm run keys -- list|check` and from `node dist/main.js --check`: one row
 * per key of every file (file, kid, alg, bits, published or refused and why), one per entry ignored for its name,
 * a count, and whether the set is fit to serve. One implementation, so the two commands never disagree.
 */
import { printable } from '../rules/finding.js';
import { keyLabel, type KeySet } from './key-set.js';

/** The summary as lines, and whether it passes: no key refused and at least one published. */
export interface KeyReport {
  readonly lines: readonly string[];
  readonly ok: boolean;
}

/**
 * Summarises one scan of `dir`. Ignored entries are listed (so a retired key shows as such) but do not fail the
 * check.
 */
export function keyReport(dir: string, { reports, ignored }: Pick<KeySet, 'reports' | 'ignored'>): KeyReport {
  const rows = [
    ['FILE', 'KID', 'ALG', 'BITS', 'STATUS', 'REASON'],
    ...reports.map((report) => [
      keyLabel(report),
      report.kid ?? '-',
      report.alg ?? '-',
      report.bits === undefined ? '-' : String(report.bits),
      report.status,
      report.reason ?? '',
    ]),
    ...ignored.map((entry) => [printable(entry.file), '-', '-', '-', 'ignored', entry.reason]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const table = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(column === row.length - 1 ? 0 : (widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  const published = reports.filter((report) => report.status === 'published').length;
  const refused = reports.length - published;
  const counts = `${published} published, ${refused} refused${ignored.length > 0 ? `, ${ignored.length} ignored` : ''}`;
  return { lines: [`keys in ${dir}:`, ...table, counts], ok: published > 0 && refused === 0 };
}
