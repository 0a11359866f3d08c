import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../support/keys.js';

/** The project's root, whose contract files the temporary projects copy. */
export const ROOT = new URL('../../../', import.meta.url).pathname;

/** The files `npm run spec:check` reads, besides git. */
export const CONTRACT_FILES = [
  'package.json',
  'openapi.json',
  'redocly.yaml',
  'openapi.lint-baseline.yaml',
  'openapi.breaking-changes.yaml',
] as const;

/** An OpenAPI document, edited freely by the tests. */
export type SpecDocument = Record<string, any>;

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
 * with the project's node_modules linked in (so that `node --import tsx` works there).
 */
export function specProject(options: { branch?: string; git?: boolean } = {}): SpecProject {
  const dir = tempDir('wk-spec-check-');
  for (const file of CONTRACT_FILES) copyFileSync(join(ROOT, file), join(dir, file));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=Spec Test', '-c', 'user.email=spec@test.invalid', '-c', 'commit.gpgsign=false', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  const project: SpecProject = {
    dir,
    git,
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
      git('add', '-A');
      git('commit', '-q', '-m', message);
    },
  };
  if (options.git !== false) {
    git('init', '-q', '-b', options.branch ?? 'main');
    project.commit('contract');
  }
  return project;
}

/** The OAuth metadata schema of a document. */
export const oauthMetadata = (document: SpecDocument): SpecDocument => document.components.schemas.OAuthMetadata;

/** The GET operation of the metadata path. */
export const metadataOperation = (document: SpecDocument): SpecDocument => document.paths['/.well-known/oauth-authorization-server'].get;
