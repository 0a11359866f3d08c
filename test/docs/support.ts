/**
 * Reading the project's documentation as the tests of `test/docs/` check it: the Markdown files, the example
 * outputs marked `<!-- output: <id> -->` (the fenced block right after the marker), tables, and relative links.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { projectRoot } from '../../src/contract/spec.js';

/** The project's root directory. */
export const ROOT = projectRoot();

/** README.md and every page of docs/, as paths relative to the root. */
export function markdownFiles(): string[] {
  const pages = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...pages];
}

/** The text of a Markdown file, by its path relative to the root. */
export function readDoc(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8');
}

/** An example output of the documentation: where it is, and its text without the fences. */
export interface OutputBlock {
  readonly id: string;
  readonly file: string;
  readonly text: string;
}

const MARKER = '<!-- output: ';

/** Every marked output block of `file`, in order. A marker without a fenced block after it is an error. */
export function outputBlocks(file: string): OutputBlock[] {
  const lines = readDoc(file).split('\n');
  const blocks: OutputBlock[] = [];
  lines.forEach((line, index) => {
    if (!line.startsWith(MARKER) || !line.endsWith(' -->')) return;
    const id = line.slice(MARKER.length, -' -->'.length).trim();
    let start = index + 1;
    while (start < lines.length && lines[start]?.trim() === '') start += 1;
    if (!(lines[start] ?? '').startsWith('```'))
      throw new Error(`${file}:${index + 1}: output marker "${id}" is not followed by a fenced block`);
    const end = lines.findIndex((candidate, at) => at > start && candidate.startsWith('```'));
    if (end === -1) throw new Error(`${file}:${start + 1}: the fenced block of "${id}" is not closed`);
    blocks.push({ id, file, text: lines.slice(start + 1, end).join('\n') });
  });
  return blocks;
}

/** The rows of the first Markdown table of `text` whose header row starts with `firstHeader`, cells trimmed. */
export function tableRows(text: string, firstHeader: string): string[][] {
  const lines = text.split('\n');
  const header = lines.findIndex((line) => line.startsWith('|') && cellsOf(line)[0] === firstHeader);
  if (header === -1) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cellsOf(line));
  }
  return rows;
}

function cellsOf(line: string): string[] {
  return line
    .slice(1, line.lastIndexOf('|'))
    .split('|')
    .map((cell) => cell.trim());
}

/** A relative link of a Markdown file that does not resolve, with the reason. */
export interface BrokenLink {
  readonly file: string;
  readonly link: string;
  readonly reason: string;
}

/**
 * The relative links of `file` (`[text](target)`, outside code) whose file does not exist, or whose `#anchor`
 * names no heading of the target, as GitHub derives anchors from headings.
 */
export function brokenLinks(file: string): BrokenLink[] {
  const text = withoutCode(readDoc(file));
  const broken: BrokenLink[] = [];
  for (const match of text.matchAll(/\]\(([^()\s]+)\)/g)) {
    const link = match[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
    const hash = link.indexOf('#');
    const path = hash === -1 ? link : link.slice(0, hash);
    const anchor = hash === -1 ? undefined : link.slice(hash + 1);
    const target = path === '' ? join(ROOT, file) : join(ROOT, dirname(file), path);
    if (!existsSync(target)) {
      broken.push({ file, link, reason: `${relative(ROOT, target)} does not exist` });
    } else if (anchor !== undefined && !anchorsOf(readFileSync(target, 'utf8')).includes(anchor)) {
      broken.push({ file, link, reason: `no heading of ${relative(ROOT, target)} has the anchor #${anchor}` });
    }
  }
  return broken;
}

/** Fenced blocks and inline code removed, so that code examples are not read as links. */
function withoutCode(text: string): string {
  let fenced = false;
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    else if (!fenced) kept.push(line.replace(/`[^`]*`/g, ''));
  }
  return kept.join('\n');
}

/** The anchors GitHub gives the headings of a Markdown text: lower case, punctuation dropped, spaces to `-`. */
export function anchorsOf(text: string): string[] {
  const seen = new Map<string, number>();
  const anchors: string[] = [];
  for (const line of withoutCode(text.replace(/^(#{1,6} .*)$/gm, (heading) => heading.replaceAll('`', ''))).split('\n')) {
    const heading = /^#{1,6} (.+)$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.push(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}
