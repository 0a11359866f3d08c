/**
 * `npm run docs [-- --out <file>]`: the API reference of `openapi.json` as one self-contained static HTML page,
 * by default `dist/docs/index.html`.
 *
 * Redocly CLI's `build-docs` renders the page with Redoc ahead of time and, with `--inlineBundle`, embeds the
 * Redoc script that makes it interactive instead of loading it from a CDN: the page needs no network and no
 * server, so it opens from the file system and can be attached to a release as is. Only the output file is
 * written (through a temporary file renamed into place); the rest of `dist/` is left alone. The page template
 * (`spec/docs-page.hbs`) adds a Content-Security-Policy, so that the browser itself keeps the page off the network.
 *
 * The page is rendered from a copy of `openapi.json` without tags. Redoc 3 gives every tag a section of its own
 * whose operations stay folded behind "+ Show" until a reader opens it, and has no option to open them; without
 * tags, every operation is on the page as it opens, with its responses and their schemas. The tags group nothing in
 * a reference of this size.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineCommand, EXIT, runAsProcess } from '../src/cli/command.js';
import { OPERATION_METHODS } from '../src/contract/operation-id.js';
import { loadSpecFile, projectRoot, type OpenApiDocument } from '../src/contract/spec.js';
import { CommandError, UsageError } from '../src/errors.js';
import { LINT_CONFIG_FILE } from './spec/lint.js';
import { failureSummary, runTool } from './spec/tools.js';

const USAGE = `usage: npm run docs [-- --out <file>]

  --out <file>  where to write the page (default dist/docs/index.html)
  -h, --help    show this text`;
/** build-docs' own page template with a Content-Security-Policy that keeps the page off the network. */
const TEMPLATE = fileURLToPath(new URL('spec/docs-page.hbs', import.meta.url));

/**
 * A `<script src>` or `<link href>` to another origin (`http:`, `https:` or protocol-relative): what would
 * make the page depend on the network. Links a reader may follow (`<a href>`) are fine.
 */
const REMOTE_RESOURCE = /<(?:script|link)\b[^>]*\s(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i;
/** A module import from another origin, as build-docs writes it without `--inlineBundle`. */
const REMOTE_IMPORT = /\bimport\b[^;\n]*\bfrom\s*["'](?:https?:)?\/\//;

/** `document` (`openapi.json`, parsed) without its tags: the root list and each operation's (see the module doc). */
function untagged(document: OpenApiDocument): OpenApiDocument {
  const copy = structuredClone(document);
  delete copy.tags;
  for (const item of Object.values(copy.paths ?? {})) for (const method of OPERATION_METHODS) delete item?.[method]?.tags;
  return copy;
}

async function buildPage(root: string): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'docs-'));
  try {
    const file = join(scratch, 'index.html');
    const spec = join(scratch, 'openapi.json');
    writeFileSync(spec, JSON.stringify(untagged(loadSpecFile(join(root, 'openapi.json')).document)));
    const run = await runTool(
      '@redocly/cli',
      ['build-docs', spec, '--config', LINT_CONFIG_FILE, '--inlineBundle', '--template', TEMPLATE, '--output', file],
      { cwd: root },
    ).catch((error: unknown) => {
      throw new CommandError((error as Error).message, { cause: error });
    });
    let html: string;
    try {
      html = readFileSync(file, 'utf8');
    } catch {
      throw new CommandError(failureSummary('redocly build-docs', run));
    }
    if (run.code !== 0) throw new CommandError(failureSummary('redocly build-docs', run));
    if (REMOTE_RESOURCE.test(html) || REMOTE_IMPORT.test(html))
      throw new CommandError('redocly build-docs wrote a page that loads resources from the network; it must be self-contained');
    return html;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const command = defineCommand({
  name: 'docs',
  usage: USAGE,
  options: { out: { type: 'string' } },
  run: async ({ values }, io) => {
    if (values.out === '') throw new UsageError('--out needs a file name');
    const root = projectRoot(process.cwd());
    const out = values.out === undefined ? join(root, 'dist', 'docs', 'index.html') : resolve(values.out);
    const html = await buildPage(root);
    const partial = `${out}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(partial, html);
      renameSync(partial, out);
    } catch (error) {
      rmSync(partial, { force: true });
      throw new CommandError(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
    const shown = relative(process.cwd(), out).startsWith('..') ? out : relative(process.cwd(), out);
    io.out(
      `docs: wrote ${shown} (${Math.ceil(Buffer.byteLength(html) / 1024)} KiB, self-contained); open ${pathToFileURL(out).href} in a browser`,
    );
    return EXIT.ok;
  },
});

await runAsProcess(command);
