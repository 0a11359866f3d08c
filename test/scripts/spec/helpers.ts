import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../../support/keys.js';

/** The project's root, whose contract files the temporary projects copy. */
export const ROOT = new URL('../../../', import.meta.url).pathname;

/** The files `npm run spec:check` reads, besides git (the formatter's configuration formats the entries it prints). */
export const CONTRACT_FILES = [
  'package.json',
  '.prettierrc.json',
  'openapi.json',
  'redocly.yaml',
  'openapi.lint-baseline.yaml',
  'openapi.breaking-changes.yaml',
] as const;

/** An OpenAPI document, edited freely by the tests. */
export type SpecDocument = Record<string, any>;

/** Runs git in `dir` as a test user (whatever the machine's git configuration says) and returns its trimmed stdout. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Spec Test', '-c', 'user.email=spec@test.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();
}

/**
 * A clone of `project` (with `args`, such as `--depth 1`, given to `git clone`), with the project's node_modules
 * linked in; returns its directory. Cloned by URL, so that a shallow clone is one.
 */
export function cloneOf(project: SpecProject, args: readonly string[] = []): string {
  const dir = join(tempDir('wk-spec-clone-'), 'clone');
  git(project.dir, 'clone', '-q', ...args, pathToFileURL(project.dir).href, dir);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** A temporary copy of the project's contract files in its own git repository. */
export interface SpecProject {
  readonly dir: string;
  /** Runs git in the project and returns its trimmed stdout. */
  git(...args: string[]): string;
  /** Rewrites the project's openapi.json with `edit` applied to it. */
  editSpec(edit: (document: SpecDocument) => void): void;
  /** Writes a file of the project. */
  write(file: string, text: string): void;
  /** Commits everything. */
  commit(message: string): void;
}

/**
 * A copy of the contract files committed on `branch` (default `main`) of a new repository, or not in git at all,
 * with the project's node_modules linked in (so that `node --import tsx` works there). `prepare` edits the
 * contract before it is committed. The contract is committed first and a note after it, so that HEAD has a first
 * parent with the same contract, as on a default branch with history.
 */
export function specProject(options: { branch?: string; git?: boolean; prepare?: (document: SpecDocument) => void } = {}): SpecProject {
  const dir = tempDir('wk-spec-check-');
  for (const file of CONTRACT_FILES) copyFileSync(join(ROOT, file), join(dir, file));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
  const project: SpecProject = {
    dir,
    git: (...args) => git(dir, ...args),
    editSpec(edit) {
      const file = join(dir, 'openapi.json');
      const document = JSON.parse(readFileSync(file, 'utf8')) as SpecDocument;
      edit(document);
      writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    },
    write(file, text) {
      writeFileSync(join(dir, file), text);
    },
    commit(message) {
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', message);
    },
  };
  if (options.prepare !== undefined) project.editSpec(options.prepare);
  if (options.git !== false) {
    git(dir, 'init', '-q', '-b', options.branch ?? 'main');
    project.commit('contract');
    project.write('NOTES.md', 'notes\n');
    project.commit('notes');
  }
  return project;
}

/**
 * Makes `member` a required property of OAuthMetadata (a string, unless the contract defines it already): the
 * base a test needs to make a required member optional, whatever openapi.json requires today.
 */
export function requireMember(member: string): (document: SpecDocument) => void {
  return (document) => {
    const metadata = oauthMetadata(document);
    metadata.properties[member] ??= { type: 'string' };
    metadata.required = [...new Set([...(metadata.required ?? []), member])];
  };
}

/** The OAuth metadata schema of a document. */
export const oauthMetadata = (document: SpecDocument): SpecDocument => document.components.schemas.OAuthMetadata;

/** The GET operation of the metadata path. */
export const metadataOperation = (document: SpecDocument): SpecDocument => document.paths['/.well-known/oauth-authorization-server'].get;
