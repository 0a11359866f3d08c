/**
 * The `verify` command: arguments in, report out, exit code back. Kept apart from `cli.ts` so tests run it
 * in-process with captured output.
 */
import { defineCommand, EXIT, failureMessage } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { USAGE, VERIFY_OPTIONS, verifyArgs } from './args.js';
import { formatReport } from './format.js';
import { verify } from './verify.js';

/** `npm run verify`, as `runCommand` runs it. */
export const verifyCommand = defineCommand({
  name: 'verify',
  usage: USAGE,
  options: VERIFY_OPTIONS,
  positionals: true,
  run: async (line, io) => {
    const args = verifyArgs(line);
    let report: Awaited<ReturnType<typeof verify>>;
    try {
      report = await verify(args.baseUrl, {
        timeoutMs: args.timeoutMs,
        origin: args.origin,
        onProgress: (progress) => io.err(`… ${progress}`),
      });
    } catch (error) {
      // A pipeline reading --json gets a document when the host fails; runCommand reports the error on stderr.
      if (args.json && !(error instanceof UsageError)) io.out(JSON.stringify({ ok: false, error: failureMessage(error) }, null, 2));
      throw error;
    }
    io.out(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.ok ? EXIT.ok : EXIT.failed;
  },
});
