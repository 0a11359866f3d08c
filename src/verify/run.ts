/**
 * The `verify` command: arguments in, report out, exit code back. Kept apart from `cli.ts` so tests run it
 * in-process with captured output.
 */
import { ServiceError, UsageError } from '../errors.js';
import { parseVerifyArgs, USAGE } from './args.js';
import { formatReport } from './format.js';
import { verify } from './verify.js';

/** Where the command writes; each call is one line or block, without the trailing newline. */
export interface CliOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Exit codes of `npm run verify`. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Runs `npm run verify -- <base-url> [--json] [--timeout-ms <ms>] [--origin <origin>]` and returns its exit code:
 * {@link EXIT}.ok when nothing failed, `failed` when a check failed or the host did not answer, `usage` for a
 * bad command line. Progress goes to stderr, the report (text, or JSON with `--json`) to stdout. Errors are one
 * line, never a stack trace.
 */
export async function runCli(argv: readonly string[], output: CliOutput): Promise<number> {
  let json = argv.includes('--json');
  try {
    const args = parseVerifyArgs(argv);
    json = args.json;
    if (args.help) {
      output.stdout(USAGE);
      return EXIT.ok;
    }
    const report = await verify(args.baseUrl, {
      timeoutMs: args.timeoutMs,
      origin: args.origin,
      onProgress: (line) => output.stderr(`… ${line}`),
    });
    output.stdout(json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.ok ? EXIT.ok : EXIT.failed;
  } catch (error) {
    const usage = error instanceof UsageError;
    const message = error instanceof ServiceError ? error.message : `unexpected error: ${String(error)}`;
    output.stderr(usage ? `verify: ${message}\n${USAGE}` : `verify: ${message.split('\n').join(' ')}`);
    if (json && !usage) output.stdout(JSON.stringify({ ok: false, error: message }, null, 2));
    return usage ? EXIT.usage : EXIT.failed;
  }
}
