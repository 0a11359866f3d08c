/**
 * Runs the command-line tools of the contract toolchain (Optic, Redocly CLI) from this project's
 * `node_modules`, with the Node that runs the caller, and with their network features off: no telemetry, no
 * update checks. The contract checks then behave the same on a developer machine, in CI and offline.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A packaged CLI this project runs. */
export type Tool = '@useoptic/optic' | '@redocly/cli';

/**
 * Each tool's documented opt-outs: Optic's telemetry level and update-notifier; Redocly CLI's usage data and
 * new-version check.
 */
const OFFLINE_ENV: Readonly<Record<string, string>> = {
  OPTIC_TELEMETRY_LEVEL: 'off',
  NO_UPDATE_NOTIFIER: '1',
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
};

/** What a tool printed, and how it exited. */
export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The JavaScript file of a package's only (or first) `bin` entry. */
function binOf(tool: Tool): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve(`${tool}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin ?? {})[0];
  if (bin === undefined) throw new Error(`${tool} declares no bin in its package.json`);
  return join(dirname(manifestPath), bin);
}

/**
 * Runs `tool` with `args` in `cwd` and resolves with its output whatever its exit code; rejects only when it
 * cannot be started or is killed.
 */
export function runTool(
  tool: Tool,
  args: readonly string[],
  options: { cwd: string; env?: Readonly<Record<string, string>> },
): Promise<ToolRun> {
  const env = { ...process.env, ...OFFLINE_ENV, ...options.env };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [binOf(tool), ...args], { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`${tool} could not run: ${error.message}`));
        return;
      }
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

/** Longest part of one output line quoted in an error message (tools echo whole minified documents). */
const QUOTED_LINE_MAX = 200;

/**
 * One line saying why a tool failed, for an error message: its first meaningful output lines, without the
 * boxed notices and progress lines the tools print around them.
 */
export function failureSummary(tool: string, run: ToolRun): string {
  const lines = `${run.stderr}\n${run.stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^[╔║╚╟╠]/.test(line) && !/^validating .*\.\.\.$/.test(line))
    .slice(0, 3)
    .map((line) => (line.length > QUOTED_LINE_MAX ? `${line.slice(0, QUOTED_LINE_MAX)}…` : line));
  return `${tool} failed (exit ${run.code}): ${lines.join(' / ') || 'no output'}`;
}
