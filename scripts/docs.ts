/**
 * `npm run docs [-- --out <file>]`: the API reference of `openapi.json` as one self-contained static HTML page,
 * by default `dist/docs/index.html`.
 *
 * Redocly CLI's `build-docs` renders the page with Redoc ahead of time and, with `--inlineBundle`, embeds the
 * Redoc script that makes it interactive instead of loading it from a CDN: the page needs no network and no
 * server, so it opens from the file system and can be attached to a release as is. Only the output file is
 * written (through a temporary file renamed into place); the rest of `dist/` is left alone. The page template
 * (`spec/docs-page.hbs`) adds a Content-Security-Policy, so that the browser itself keeps the page off the network.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { projectRoot } from '../src/contract/spec.js';
import { LINT_CONFIG_FILE } from './spec/lint.js';
import { failureSummary, runTool } from './spec/tools.js';

const USAGE = 'usage: npm run docs [-- --out <file>]';
/** build-docs' own page template with a Content-Security-Policy that keeps the page off the network. */
const TEMPLATE = fileURLToPath(new URL('spec/docs-page.hbs', import.meta.url));

/**
 * A `<script src>` or `<link href>` to another origin (`http:`, `https:` or protocol-relative): what would
 * make the page depend on the network. Links a reader may follow (`<a href>`) are fine.
 */
const REMOTE_RESOURCE = /<(?:script|link)\b[^>]*\s(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i;
/** A module import from another origin, as build-docs writes it without `--inlineBundle`. */
const REMOTE_IMPORT = /\bimport\b[^;\n]*\bfrom\s*["'](?:https?:)?\/\//;

function outputPath(root: string, argv: readonly string[]): string | undefined {
  if (argv.length === 0) return join(root, 'dist', 'docs', 'index.html');
  if (argv.length === 2 && argv[0] === '--out' && argv[1] !== '') return resolve(argv[1] ?? '');
  return undefined;
}

async function buildPage(root: string): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'docs-'));
  try {
    const file = join(scratch, 'index.html');
    const run = await runTool(
      '@redocly/cli',
      ['build-docs', 'openapi.json', '--config', LINT_CONFIG_FILE, '--inlineBundle', '--template', TEMPLATE, '--output', file],
      { cwd: root },
    );
    let html: string;
    try {
      html = readFileSync(file, 'utf8');
    } catch {
      throw new Error(failureSummary('redocly build-docs', run));
    }
    if (run.code !== 0) throw new Error(failureSummary('redocly build-docs', run));
    if (REMOTE_RESOURCE.test(html) || REMOTE_IMPORT.test(html))
      throw new Error('redocly build-docs wrote a page that loads resources from the network; it must be self-contained');
    return html;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const root = projectRoot(process.cwd());
const out = outputPath(root, process.argv.slice(2));
if (out === undefined) {
  console.error(USAGE);
  process.exit(2);
}
try {
  const html = await buildPage(root);
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.${process.pid}.tmp`;
  writeFileSync(partial, html);
  renameSync(partial, out);
  const shown = relative(process.cwd(), out).startsWith('..') ? out : relative(process.cwd(), out);
  console.log(
    `docs: wrote ${shown} (${Math.ceil(Buffer.byteLength(html) / 1024)} KiB, self-contained); open ${pathToFileURL(out).href} in a browser`,
  );
} catch (error) {
  console.error(`docs: ${(error as Error).message}`);
  process.exitCode = 1;
}
