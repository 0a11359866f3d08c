/**
 * `npm run build [-- --outdir DIR]`: the production build, into `dist/` (or DIR):
 * - first `npm run generate`, so the bundle holds the contract compiled from the `openapi.json` beside it
 *   (`generated/contract.js`); a bundle started next to another `openapi.json` refuses to start, saying to rebuild;
 * - `main.js`: the server as an esbuild bundle, run with plain `node` (no npm, no tsx, no node_modules); what it
 *   imports only on demand (the run-time tier of operations) is split into `chunks/`.
 * `openapi.json` itself is not bundled: the server reads the file next to `package.json` at startup and checks its
 * digest against the compiled one.
 *
 * The bundle is written to a temporary directory beside the target and swapped into place only when everything
 * succeeded, so a failing build (a refused `openapi.json`, a compile error) leaves the previous build running as
 * it was. `dist/docs/` (`npm run docs`) is carried over into the new build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { defineCommand, EXIT, isEntryModule, runAsProcess } from '../src/cli/command.js';
import { projectRoot } from '../src/contract/spec.js';
import { CommandError } from '../src/errors.js';

const USAGE = `usage: npm run build [-- --outdir DIR]

  --outdir DIR  build into DIR (default dist/), e.g. a private copy for A/B benchmarks; it must stay below the
                project root, where the server finds openapi.json by walking up
  -h, --help    show this text`;

/**
 * Koa (through mime-types, twice in two versions) parses all of mime-db, about 230 KB each, only to name the
 * types of the bodies it sets itself. The bundle keeps the entries for the types this service sends; parsing the
 * rest was about a tenth of startup.
 */
const SERVED_TYPES = ['application/json', 'application/octet-stream', 'text/plain', 'text/html'];
const trimMimeDb: Plugin = {
  name: 'trim-mime-db',
  setup(context) {
    // Each copy of mime-types keeps its own version of the database, resolved as Node would.
    context.onResolve({ filter: /^mime-db$/ }, (args) => ({
      path: createRequire(join(args.resolveDir, 'index.js')).resolve('mime-db/db.json'),
      namespace: 'mime-db',
    }));
    context.onLoad({ filter: /.*/, namespace: 'mime-db' }, (args) => {
      const db = JSON.parse(readFileSync(args.path, 'utf8')) as Record<string, unknown>;
      const kept = Object.fromEntries(SERVED_TYPES.filter((type) => db[type] !== undefined).map((type) => [type, db[type]]));
      return { contents: `module.exports = ${JSON.stringify(kept)};`, loader: 'js' };
    });
  },
};

/** Bundles `src/main.ts` into `outdir`; resolves with the bytes of JavaScript written. */
async function bundle(root: string, outdir: string): Promise<number> {
  const result = await build({
    entryPoints: { main: join(root, 'src/main.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Code imported dynamically (the run-time tier of operations, with openapi-backend: `src/service.ts`) goes to
    // chunks of its own, loaded only when imported: a contract of documents starts without reading them.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
    minify: true,
    plugins: [trimMimeDb],
    // Bundled CommonJS dependencies call require() for Node built-ins; ESM output has none, so provide it.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
}

/** Moves `next` into place as `target`; `target`'s `docs/` comes along when `next` has none. */
function swapInto(next: string, target: string): void {
  const docs = join(target, 'docs');
  if (existsSync(docs) && !existsSync(join(next, 'docs'))) renameSync(docs, join(next, 'docs'));
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) renameSync(target, old);
  renameSync(next, target);
  rmSync(old, { recursive: true, force: true });
}

/** What every failure adds: a failed build changes nothing that runs. */
const LEFT_IN_PLACE = 'the previous build, if any, is left in place';

/** Generates, bundles into a directory beside `target`, and swaps it into place; resolves with the line to print. */
async function buildInto(target: string): Promise<string> {
  const root = projectRoot();
  try {
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/generate.ts')], { cwd: root, stdio: 'inherit' });
  } catch (error) {
    // generate has said why, one line per problem.
    throw new CommandError(`npm run generate failed (see above); ${LEFT_IN_PLACE}`, { cause: error });
  }
  // Beside the target, so the final rename stays on one filesystem.
  const next = join(dirname(target), `.${basename(target)}.next-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  try {
    let bytes: number;
    try {
      bytes = await bundle(root, next);
    } catch (error) {
      // esbuild has printed its errors (logLevel warning).
      throw new CommandError(`esbuild failed (see above); ${LEFT_IN_PLACE}`, { cause: error });
    }
    swapInto(next, target);
    return `built ${target} (${Math.round(bytes / 1024)} KiB of JavaScript, contract compiled from openapi.json)`;
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
}

const command = defineCommand({
  name: 'build',
  usage: USAGE,
  options: { outdir: { type: 'string' } },
  run: async ({ values }, io) => {
    io.out(await buildInto(resolve(projectRoot(), values.outdir ?? 'dist')));
    return EXIT.ok;
  },
});

if (isEntryModule(import.meta.url)) await runAsProcess(command);
