/**
 * Production build, into `dist/`:
 * - `main.js`: the server as one esbuild bundle, run with plain `node` (no npm, no tsx). Code only needed when
 *   the compiled contract cannot be used (openapi-backend, Ajv's compiler) is split into chunks loaded on demand.
 * - `compiled-contract.js`: openapi-backend's answers for this `openapi.json`, with Ajv's standalone validators
 *   (`src/contract/compile.ts`). The server uses it only while `openapi.json` is byte-identical to what was
 *   compiled; otherwise it initialises openapi-backend at startup.
 * `openapi.json` itself is not bundled: the server reads the file next to `package.json` at startup.
 */
import { build, type Plugin } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { compileContract } from '../src/contract/compile.js';
import { defaultSpecPath, projectRoot } from '../src/contract/spec.js';

const root = projectRoot();
// `--outdir DIR` builds a private copy (e.g. for A/B benchmarks); it must stay below the project root, where
// the server finds openapi.json by walking up.
const outdirFlag = process.argv.indexOf('--outdir');
const dist = resolve(root, outdirFlag === -1 ? 'dist' : (process.argv[outdirFlag + 1] ?? 'dist'));
rmSync(dist, { recursive: true, force: true });

const entryPoints: Record<string, string> = { main: join(root, 'src/main.ts') };
const compiled = await compileContract(defaultSpecPath());
const compiledSource = join(dist, 'compiled-contract.source.mjs');
if (compiled.ok) {
  mkdirSync(dist, { recursive: true });
  writeFileSync(compiledSource, compiled.source);
  entryPoints['compiled-contract'] = compiledSource;
} else {
  console.log(`openapi.json is not compiled ahead of time (${compiled.reason}); the server initialises openapi-backend at startup`);
}

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

const result = await build({
  entryPoints,
  outdir: dist,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
  minify: true,
  plugins: [trimMimeDb],
  // Bundled CommonJS dependencies call require() for Node built-ins; ESM output has none, so provide it.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
rmSync(compiledSource, { force: true });
const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => !file.endsWith('.map'))
  .reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`built ${dist} (${Math.round(bytes / 1024)} KiB of JavaScript${compiled.ok ? ', contract compiled' : ''})`);
