/**
 * The base contract `npm run spec:check` compares `openapi.json` with: the file as committed at a git commit.
 *
 * By default the commit is the merge-base of HEAD with `main` (or `origin/main` where no local `main` exists,
 * as in CI checkouts of a pull request). On `main` that is HEAD itself, so local edits are compared with the
 * last commit; on a branch, with what the branch started from. `--base <git-ref>` names the commit directly.
 */
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';

/** The branch a default comparison starts from. */
export const MAIN_BRANCH = 'main';

/** The base contract could not be determined; the message is one line naming why. */
export class BaseError extends Error {
  override readonly name = 'BaseError';
}

/** The resolved base: the commit, how it was chosen, and the contract's bytes there (undefined: no such file). */
export interface Base {
  readonly commit: string;
  /** E.g. `main (merge-base 1a2b3c4d)` or `v1.2.0 (1a2b3c4d)`. */
  readonly label: string;
  readonly bytes: Buffer | undefined;
}

interface GitResult {
  readonly ok: boolean;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function git(cwd: string, args: readonly string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new BaseError('cannot read the base contract: git is not installed (spec:check compares openapi.json with a git commit)'));
        return;
      }
      resolve({ ok: error === null, stdout, stderr: stderr.toString().trim() });
    });
  });
}

async function commitOf(cwd: string, ref: string): Promise<string | undefined> {
  const result = await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  return result.ok ? result.stdout.toString().trim() : undefined;
}

async function defaultBase(cwd: string): Promise<{ commit: string; label: string }> {
  if ((await commitOf(cwd, 'HEAD')) === undefined)
    throw new BaseError('cannot resolve the base contract: HEAD has no commit yet; commit openapi.json first or pass --base <git-ref>');
  for (const branch of [MAIN_BRANCH, `origin/${MAIN_BRANCH}`]) {
    if ((await commitOf(cwd, branch)) === undefined) continue;
    const mergeBase = await git(cwd, ['merge-base', 'HEAD', branch]);
    if (!mergeBase.ok) {
      throw new BaseError(
        `cannot resolve the base contract: HEAD and ${branch} have no common commit (a shallow clone?); fetch more history or pass --base <git-ref>`,
      );
    }
    const commit = mergeBase.stdout.toString().trim();
    return { commit, label: `${branch} (merge-base ${commit.slice(0, 8)})` };
  }
  throw new BaseError(
    `cannot resolve the base contract: this repository has no branch ${MAIN_BRANCH} (nor origin/${MAIN_BRANCH}); fetch it or pass --base <git-ref>`,
  );
}

/**
 * Resolves the base commit for the contract at `specPath` (inside the repository that holds `cwd`) and reads
 * the contract there. `ref` undefined means the default base.
 */
export async function resolveBase(cwd: string, specPath: string, ref: string | undefined): Promise<Base> {
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new BaseError(`cannot resolve the base contract: ${cwd} is not inside a git repository`);
  let chosen: { commit: string; label: string };
  if (ref === undefined) {
    chosen = await defaultBase(cwd);
  } else {
    const commit = await commitOf(cwd, ref);
    if (commit === undefined) throw new BaseError(`cannot resolve the base contract: --base ${ref} is not a commit in this repository`);
    chosen = { commit, label: `${ref} (${commit.slice(0, 8)})` };
  }
  // git names files relative to the top level, with forward slashes, whatever the platform.
  const inRepo = relative(realpathSync(top.stdout.toString().trim()), realpathSync(specPath)).split(sep).join('/');
  const object = `${chosen.commit}:${inRepo}`;
  const shown = await git(cwd, ['show', object]);
  if (shown.ok) return { ...chosen, bytes: shown.stdout };
  if ((await git(cwd, ['cat-file', '-e', object])).ok) throw new BaseError(`cannot read ${object}: ${shown.stderr}`);
  return { ...chosen, bytes: undefined };
}
