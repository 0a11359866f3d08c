/**
 * A private copy of the production build for benchmarking, so a bench is not disturbed by someone else's
 * `scripts/build.ts` (which empties `dist/`) and so build options can be compared:
 *
 *   npx tsx scripts/bench-build.ts tmp/bench-a/main.js [--minify] [--no-sourcemap]
 *   npx tsx scripts/bench.ts --entry tmp/bench-a/main.js
 *
 * Same esbuild options as `scripts/build.ts` unless a flag says otherwise. The output must stay below the project
 * root (e.g. `tmp/`), where the server finds `openapi.json` and `.dev-keys/` by walking up.
 */
import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outfile = resolve(root, process.argv[2] ?? 'tmp/bench-build/main.js');
const minify = process.argv.includes('--minify');
const result = await build({
  entryPoints: [join(root, 'src/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: !process.argv.includes('--no-sourcemap'),
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
  minify,
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
const js = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('.js'))?.[1].bytes ?? 0;
console.log(`built ${outfile} (${Math.round(js / 1024)} KiB JS${minify ? ', minified' : ''})`);
