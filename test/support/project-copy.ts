/**
 * A temporary copy of the project for the drills that edit openapi.json and follow the README's loop: the entries
 * they read, and the project's node_modules linked in. The caller removes the copy.
 */
import { execFile } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './keys.js';
import { childEnv } from './process.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

/** What a command run in a copy printed, and whether it succeeded. */
export interface CopyRun {
  readonly ok: boolean;
  readonly output: string;
}

/** Copies `entries` of the project (files or folders) into a new temporary folder, links node_modules; its path. */
export function copyProject(prefix: string, entries: readonly string[]): string {
  const copy = tempDir(prefix);
  for (const entry of entries) cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

/** Runs `node <args>` in `copy` with a clean environment; resolves with its output whether or not it failed. */
export async function runInCopy(copy: string, args: readonly string[]): Promise<CopyRun> {
  const env = childEnv({ HOME: process.env.HOME ?? copy, NO_COLOR: '1' });
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: copy, env, maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${message}\n${stdout}${stderr}` };
  }
}
