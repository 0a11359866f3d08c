/**
 * `npm run spec:check [-- --base <git-ref>]`: the contract checks `npm test` and CI run on `openapi.json`
 * (breaking changes against the base contract, and lint; see `spec/check.ts`). The base is `--base`, else
 * `SPEC_CHECK_BASE`, else found in git (`spec/git-base.ts`).
 *
 * Exit codes: 0 both pass, 1 a check failed or could not run, 2 usage error.
 */
import { defineCommand, EXIT, runAsProcess } from '../src/cli/command.js';
import { projectRoot } from '../src/contract/spec.js';
import { UsageError } from '../src/errors.js';
import { checkContract } from './spec/check.js';
import { BASE_ENV, namedBase } from './spec/git-base.js';

const USAGE = `usage: npm run spec:check [-- --base <git-ref>]

  --base <git-ref>  the commit whose openapi.json to compare with (default: $${BASE_ENV} if set, else
                    the merge-base of HEAD with the default branch, origin/HEAD, main or master; on
                    the default branch itself, HEAD's first parent)
  -h, --help        show this text`;

const command = defineCommand({
  name: 'spec:check',
  usage: USAGE,
  options: { base: { type: 'string' } },
  run: async ({ values }, io) => {
    if (values.base === '') throw new UsageError('--base needs a git ref');
    const sections = await checkContract(projectRoot(process.cwd()), namedBase(values.base, process.env));
    for (const section of sections) {
      // Indented lines are details (findings, entries to paste): printed as they are.
      for (const line of section.lines) (section.ok ? io.out : io.err)(line.startsWith('  ') ? line : `spec:check: ${line}`);
    }
    if (sections.every((section) => section.ok)) return EXIT.ok;
    io.err('spec:check: FAILED');
    return EXIT.failed;
  },
});

await runAsProcess(command);
