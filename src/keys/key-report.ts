/**
 * The key summary operators read, from `npm run keys -- list|check` and from `node dist/main.js --check`: one row
 * per key of every file (file, kid, alg, bits, published or refused and why), a count, and whether the set is
 * fit to serve. One implementation, so the two commands never disagree.
 */
import { keyLabel, type KeyFileReport } from './key-set.js';

/** The summary as lines, and whether it passes: no key refused and at least one published. */
export interface KeyReport {
  readonly lines: readonly string[];
  readonly ok: boolean;
}

/** Summarises the reports of one scan of `dir`. */
export function keyReport(dir: string, reports: readonly KeyFileReport[]): KeyReport {
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
  return { lines: [`keys in ${dir}:`, ...table, `${published} published, ${refused} refused`], ok: published > 0 && refused === 0 };
}
