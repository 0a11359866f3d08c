/**
 * `npm run spec:check [-- --base <git-ref>]`: the contract checks `npm test` and CI run on `openapi.json`
 * (breaking changes against the base contract, and lint; see `spec/check.ts`).
 *
 * Exit codes: 0 both pass, 1 a check failed or could not run, 2 usage error.
 */
import { projectRoot } from '../src/contract/spec.js';
import { checkContract } from './spec/check.js';

const USAGE = 'usage: npm run spec:check [-- --base <git-ref>]';

function parseArgs(argv: readonly string[]): { base: string | undefined } | undefined {
  let base: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--base' && argv[i + 1] !== undefined && argv[i + 1] !== '') base = argv[(i += 1)];
    else if (arg.startsWith('--base=') && arg.length > '--base='.length) base = arg.slice('--base='.length);
    else return undefined;
  }
  return { base };
}

const args = parseArgs(process.argv.slice(2));
if (args === undefined) {
  console.error(USAGE);
  process.exit(2);
}
let root: string;
try {
  root = projectRoot(process.cwd());
} catch (error) {
  console.error(`spec:check: ${(error as Error).message}`);
  process.exit(1);
}
const sections = await checkContract(root, args.base);
for (const section of sections) {
  // Indented lines are details (findings, entries to paste): printed as they are.
  for (const line of section.lines) (section.ok ? console.log : console.error)(line.startsWith('  ') ? line : `spec:check: ${line}`);
}
if (sections.some((section) => !section.ok)) {
  console.error('spec:check: FAILED');
  process.exitCode = 1;
}
