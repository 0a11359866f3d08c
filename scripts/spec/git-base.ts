/**
 * The base contract `npm run spec:check` compares `openapi.json` with: the file as committed at a git commit.
 *
 * The commit is the one `--base <git-ref>` names, else the one the environment variable {@link BASE_ENV} names
 * (CI sets it: a pull request's target, the commit before a push), else found in the repository:
 * - the repository's default branch is `origin/HEAD` (what a clone calls the remote's default branch), else
 *   `main`, else `master` (locally, else as `origin/…`);
 * - on a branch, the base is where the branch left the default branch (their merge-base), wherever the
 *   default branch went since;
 * - on the default branch itself (checked out, or a detached HEAD at one of its commits, as in CI), the base is
 *   HEAD's first parent, so that a break committed or pushed straight to it is found, and uncommitted edits are
 *   checked too.
 */
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';

/** The environment variable naming the base when `--base` is not given; empty, or a null SHA, counts as unset. */
export const BASE_ENV = 'SPEC_CHECK_BASE';

/** The base contract could not be determined; the message is one line naming why. */
export class BaseError extends Error {
  override readonly name = 'BaseError';
}

/** A base named by the user: the git ref, and where it was given (`--base` or {@link BASE_ENV}). */
export interface BaseRef {
  readonly ref: string;
  readonly from: '--base' | typeof BASE_ENV;
}

/** The resolved base: how it was chosen, and the contract's bytes there (undefined: no such file, or no commit). */
export interface Base {
  /** E.g. `main (merge-base 1a2b3c4d)`, `v1.2.0 (1a2b3c4d)` or `HEAD^ on main (1a2b3c4d)`. */
  readonly label: string;
  readonly bytes: Buffer | undefined;
}

/** What GitHub and GitLab put in "the commit before" for a push that creates a branch: no commit at all. */
const NULL_SHA = /^0+$/;

/**
 * The base the user named: `--base` (`option`), else {@link BASE_ENV} in `env` when set to something other than
 * an empty string or a null SHA (so a CI template may pass its variables through unconditionally).
 */
export function namedBase(option: string | undefined, env: Readonly<Record<string, string | undefined>>): BaseRef | undefined {
  if (option !== undefined) return { ref: option, from: '--base' };
  const value = env[BASE_ENV]?.trim() ?? '';
  return value === '' || NULL_SHA.test(value) ? undefined : { ref: value, from: BASE_ENV };
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

/** The branches tried, in order, when the remote names no default branch: by name, and the ref git resolves. */
const DEFAULT_BRANCHES = ['main', 'master'].flatMap((name) => [
  { name, ref: `refs/heads/${name}` },
  { name: `origin/${name}`, ref: `refs/remotes/origin/${name}` },
]);

/** The repository's default branch, by name and ref: `origin/HEAD` where a clone recorded it, else the first of {@link DEFAULT_BRANCHES}. */
async function defaultBranch(cwd: string): Promise<{ name: string; ref: string } | undefined> {
  const remote = await git(cwd, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']);
  if (remote.ok) {
    const ref = remote.stdout.toString().trim();
    if ((await commitOf(cwd, ref)) !== undefined) return { name: ref.replace(/^refs\/remotes\//, ''), ref };
  }
  for (const branch of DEFAULT_BRANCHES) if ((await commitOf(cwd, branch.ref)) !== undefined) return branch;
  return undefined;
}

/**
 * Whether a branch other than the default one (`name`, or its local namesake for `origin/name`) is checked out: a
 * new branch that has no commit of its own yet starts at the default branch, yet its edits are its own.
 */
async function onOtherBranch(cwd: string, name: string): Promise<boolean> {
  const current = await git(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return current.ok && current.stdout.toString().trim() !== name.replace(/^origin\//, '');
}

async function isShallow(cwd: string): Promise<boolean> {
  const result = await git(cwd, ['rev-parse', '--is-shallow-repository']);
  return result.stdout.toString().trim() === 'true';
}

const FETCH_OR_NAME = 'fetch more history (git fetch --unshallow) or pass --base <git-ref>';

/** The default base commit (see the module doc), or `undefined` with a label when HEAD is the first commit there is. */
async function defaultBase(cwd: string): Promise<{ commit: string | undefined; label: string }> {
  const head = await commitOf(cwd, 'HEAD');
  if (head === undefined)
    throw new BaseError('cannot resolve the base contract: HEAD has no commit yet; commit openapi.json first or pass --base <git-ref>');
  const branch = await defaultBranch(cwd);
  if (branch === undefined) {
    throw new BaseError(
      `cannot resolve the base contract: this repository has no default branch (origin/HEAD, main or master); fetch it or pass --base <git-ref> (or set ${BASE_ENV})`,
    );
  }
  const mergeBase = await git(cwd, ['merge-base', 'HEAD', branch.ref]);
  if (!mergeBase.ok) {
    throw new BaseError(
      `cannot resolve the base contract: HEAD and ${branch.name} have no common commit (a shallow clone?); ${FETCH_OR_NAME}`,
    );
  }
  const commit = mergeBase.stdout.toString().trim();
  if (commit !== head || (await onOtherBranch(cwd, branch.name)))
    return { commit, label: `${branch.name} (merge-base ${commit.slice(0, 8)})` };
  // HEAD is a commit of the default branch, checked out as it or detached: compared with itself nothing could ever be found.
  const parent = await commitOf(cwd, 'HEAD^1');
  if (parent !== undefined) return { commit: parent, label: `HEAD^ on ${branch.name} (${parent.slice(0, 8)})` };
  if (await isShallow(cwd)) {
    throw new BaseError(
      `cannot resolve the base contract: HEAD is on ${branch.name}, and this shallow clone lacks its parent; ${FETCH_OR_NAME}`,
    );
  }
  return { commit: undefined, label: `nothing (HEAD is the first commit of ${branch.name})` };
}

/**
 * Resolves the base commit for the contract at `specPath` (inside the repository that holds `cwd`) and reads
 * the contract there. `named` undefined means the default base.
 */
export async function resolveBase(cwd: string, specPath: string, named: BaseRef | undefined): Promise<Base> {
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new BaseError(`cannot resolve the base contract: ${cwd} is not inside a git repository`);
  let chosen: { commit: string | undefined; label: string };
  if (named === undefined) {
    chosen = await defaultBase(cwd);
  } else {
    const commit = await commitOf(cwd, named.ref);
    if (commit === undefined) {
      const given = named.from === '--base' ? `--base ${named.ref}` : `${BASE_ENV}=${named.ref}`;
      const shallow = (await isShallow(cwd)) ? ' (this is a shallow clone: fetch more history)' : '';
      throw new BaseError(`cannot resolve the base contract: ${given} is not a commit in this repository${shallow}`);
    }
    chosen = { commit, label: `${named.ref} (${commit.slice(0, 8)}${named.from === BASE_ENV ? `, from ${BASE_ENV}` : ''})` };
  }
  if (chosen.commit === undefined) return { label: chosen.label, bytes: undefined };
  // git names files relative to the top level, with forward slashes, whatever the platform.
  const inRepo = relative(realpathSync(top.stdout.toString().trim()), realpathSync(specPath)).split(sep).join('/');
  const object = `${chosen.commit}:${inRepo}`;
  const shown = await git(cwd, ['show', object]);
  if (shown.ok) return { label: chosen.label, bytes: shown.stdout };
  if ((await git(cwd, ['cat-file', '-e', object])).ok) throw new BaseError(`cannot read ${object}: ${shown.stderr}`);
  return { label: chosen.label, bytes: undefined };
}
