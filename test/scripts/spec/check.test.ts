/**
 * The two checks of `npm run spec:check` on temporary copies of the contract, each in its own git repository (the
 * real openapi.json is never edited): the choice of base, breaking changes and their acknowledgement, and lint
 * against the baseline.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { checkBreakingChanges, checkContract, checkLint } from '../../../scripts/spec/check.js';
import { namedBase } from '../../../scripts/spec/git-base.js';
import { undefinedMetadataUrlMember } from '../../support/openapi.js';
import {
  cloneOf,
  git,
  metadataOperation,
  oauthMetadata,
  requireMember,
  specProject,
  type SpecDocument,
  type SpecProject,
} from './helpers.js';

/** Generous: a check starts Optic or Redocly CLI, in a few seconds, longer on a loaded machine. */
const CHECK_TIMEOUT = 120_000;

const makeJwksUriOptional = (document: SpecDocument): void => {
  const metadata = oauthMetadata(document);
  metadata.required = metadata.required.filter((name: string) => name !== 'jwks_uri');
};
const changeIssuerType = (document: SpecDocument): void => {
  oauthMetadata(document).properties.issuer.type = 'integer';
};
const JWKS_URI_BREAK =
  "GET /.well-known/oauth-authorization-server response 200 response body: application/json property jwks_uri: cannot make required response property 'jwks_uri' optional.";

/** Whether the project's formatter, with the project's configuration for `file`, leaves `text` as it is. */
async function formatterAccepts(file: string, text: string): Promise<boolean> {
  return check(text, { ...(await resolveConfig(file)), filepath: file });
}

/** How an acknowledgement names the contract committed in `project` (read before any edit). */
function baseOf(project: SpecProject): string {
  return `sha256:${createHash('sha256')
    .update(readFileSync(join(project.dir, 'openapi.json')))
    .digest('hex')}`;
}

/** The acknowledgement of the jwks_uri break against `base`, as spec:check prints it, with `reason` written. */
function jwksUriAcknowledgement(base: string, reason: string): string {
  return [
    `  - base: ${base}`,
    '    rule: prevent making response property optional',
    "    at: 'GET /.well-known/oauth-authorization-server response 200 response body: application/json property jwks_uri'",
    "    change: cannot make required response property 'jwks_uri' optional.",
    `    reason: ${reason}`,
  ].join('\n');
}

describe('the base', () => {
  it(
    "on a clean default branch is HEAD's first parent: the contract is compared with the one before and passes",
    async () => {
      const project = specProject();
      const parent = project.git('rev-parse', 'HEAD^');
      expect(await checkBreakingChanges(project.dir, undefined)).toEqual({
        ok: true,
        lines: [`openapi.json against HEAD^ on main (${parent.slice(0, 8)}): no breaking changes`],
      });
    },
    CHECK_TIMEOUT,
  );

  it(
    'on the default branch finds a break committed straight on it, not comparing HEAD with itself',
    async () => {
      const project = specProject({ prepare: requireMember('jwks_uri') });
      project.editSpec(makeJwksUriOptional);
      project.commit('make jwks_uri optional, on main');
      const section = await checkBreakingChanges(project.dir, undefined);
      expect(section.ok).toBe(false);
      expect(section.lines[0]).toBe(
        `openapi.json against HEAD^ on main (${project.git('rev-parse', 'HEAD^').slice(0, 8)}): 1 breaking change(s):`,
      );
      expect(section.lines[1]).toContain(JWKS_URI_BREAK);
    },
    CHECK_TIMEOUT,
  );

  it(
    'on a branch is where it left main, wherever main went since: removing jwks_uri from OAuthMetadata.required there fails, naming it, where it is, and the entry that would acknowledge it',
    async () => {
      const project = specProject({ prepare: requireMember('jwks_uri') });
      const base = baseOf(project);
      const forkPoint = project.git('rev-parse', 'HEAD');
      project.git('checkout', '-q', '-b', 'feature');
      project.editSpec(makeJwksUriOptional);
      project.commit('make jwks_uri optional');
      project.git('checkout', '-q', 'main');
      project.write('NOTES.md', 'main moved on\n');
      project.commit('unrelated');
      project.git('checkout', '-q', 'feature');

      const section = await checkBreakingChanges(project.dir, undefined);
      expect(section.ok).toBe(false);
      const report = section.lines.join('\n');
      expect(report).toContain(`openapi.json against main (merge-base ${forkPoint.slice(0, 8)}): 1 breaking change(s):`);
      expect(report).toContain(
        `  ${JWKS_URI_BREAK} [prevent making response property optional] at openapi.json#/components/schemas/OAuthMetadata/properties/jwks_uri`,
      );
      expect(report).toContain(jwksUriAcknowledgement(base, "''"));
    },
    CHECK_TIMEOUT,
  );

  it('on a new branch with no commit of its own is where it starts (its uncommitted edits are its own)', async () => {
    const project = specProject();
    const head = project.git('rev-parse', 'HEAD');
    project.git('checkout', '-q', '-b', 'feature');
    expect(await checkBreakingChanges(project.dir, undefined)).toEqual({
      ok: true,
      lines: [`openapi.json against main (merge-base ${head.slice(0, 8)}): no breaking changes`],
    });
  });

  it("at a detached HEAD on the default branch (a CI checkout) is HEAD's first parent", async () => {
    const project = specProject();
    const parent = project.git('rev-parse', 'HEAD^');
    project.git('checkout', '-q', '--detach', 'main');
    expect(await checkBreakingChanges(project.dir, undefined)).toEqual({
      ok: true,
      lines: [`openapi.json against HEAD^ on main (${parent.slice(0, 8)}): no breaking changes`],
    });
  });

  it('in a repository whose default branch is master, is the merge-base with master', async () => {
    const project = specProject({ branch: 'master' });
    const forkPoint = project.git('rev-parse', 'HEAD');
    project.git('checkout', '-q', '-b', 'feature');
    project.write('NOTES.md', 'a change on the branch\n');
    project.commit('branch work');
    expect(await checkBreakingChanges(project.dir, undefined)).toEqual({
      ok: true,
      lines: [`openapi.json against master (merge-base ${forkPoint.slice(0, 8)}): no breaking changes`],
    });
  });

  it('in a clone, is the default branch its remote names (origin/HEAD), whatever its name', async () => {
    const upstream = specProject({ branch: 'trunk' });
    const clone = cloneOf(upstream, ['--branch', 'trunk']);
    git(clone, 'checkout', '-q', '-b', 'feature');
    writeFileSync(join(clone, 'NOTES.md'), 'a change on the branch\n');
    git(clone, 'commit', '-q', '-am', 'branch work');
    expect(await checkBreakingChanges(clone, undefined)).toEqual({
      ok: true,
      lines: [`openapi.json against origin/trunk (merge-base ${upstream.git('rev-parse', 'HEAD').slice(0, 8)}): no breaking changes`],
    });
  });

  it(
    'is the commit --base names',
    async () => {
      const project = specProject({ prepare: requireMember('jwks_uri') });
      project.editSpec(makeJwksUriOptional);
      project.commit('make jwks_uri optional');
      // HEAD holds the change, so against HEAD there is nothing to find (and Optic need not run).
      const section = await checkBreakingChanges(project.dir, { ref: 'HEAD', from: '--base' });
      expect(section).toEqual({
        ok: true,
        lines: [`openapi.json against HEAD (${project.git('rev-parse', 'HEAD').slice(0, 8)}): no breaking changes`],
      });
    },
    CHECK_TIMEOUT,
  );

  it('is the commit SPEC_CHECK_BASE names, saying so', async () => {
    const project = specProject();
    const commit = project.git('rev-parse', 'HEAD');
    expect(await checkBreakingChanges(project.dir, { ref: commit, from: 'SPEC_CHECK_BASE' })).toEqual({
      ok: true,
      lines: [`openapi.json against ${commit} (${commit.slice(0, 8)}, from SPEC_CHECK_BASE): no breaking changes`],
    });
  });

  it('on the first commit of the default branch has no contract: nothing released can break', async () => {
    const project = specProject();
    project.git('checkout', '-q', '--orphan', 'fresh');
    project.commit('a history of one commit');
    project.git('branch', '-q', '-D', 'main');
    project.git('branch', '-q', '-m', 'main');
    expect(await checkBreakingChanges(project.dir, undefined)).toEqual({
      ok: true,
      lines: [
        'openapi.json against nothing (HEAD is the first commit of main): the base has no openapi.json, so nothing released can break',
      ],
    });
  });

  it.each([
    [
      'outside git',
      () => specProject({ git: false }).dir,
      undefined,
      /^cannot resolve the base contract: \/.* is not inside a git repository$/,
    ],
    [
      'without a default branch',
      () => specProject({ branch: 'trunk' }).dir,
      undefined,
      /^cannot resolve the base contract: this repository has no default branch \(origin\/HEAD, main or master\); fetch it or pass --base <git-ref> \(or set SPEC_CHECK_BASE\)$/,
    ],
    [
      "in a shallow clone of main, which lacks HEAD's parent",
      () => cloneOf(specProject(), ['--depth', '1']),
      undefined,
      /^cannot resolve the base contract: HEAD is on origin\/main, and this shallow clone lacks its parent; fetch more history \(git fetch --unshallow\) or pass --base <git-ref>$/,
    ],
    [
      'with an unknown --base',
      () => specProject().dir,
      { ref: 'v9.9.9', from: '--base' } as const,
      /^cannot resolve the base contract: --base v9\.9\.9 is not a commit in this repository$/,
    ],
    [
      'with an unknown SPEC_CHECK_BASE',
      () => specProject().dir,
      { ref: 'v9.9.9', from: 'SPEC_CHECK_BASE' } as const,
      /^cannot resolve the base contract: SPEC_CHECK_BASE=v9\.9\.9 is not a commit in this repository$/,
    ],
  ])(
    '%s is a one-line failure',
    async (_name, make, base, message) => {
      const section = await checkBreakingChanges(make(), base);
      expect(section.ok).toBe(false);
      expect(section.lines).toHaveLength(1);
      expect(section.lines[0]).toMatch(message);
    },
    CHECK_TIMEOUT,
  );
});

describe('namedBase', () => {
  it('is --base, else SPEC_CHECK_BASE, else nothing: an empty value or a null SHA (a push creating a branch) counts as unset', () => {
    expect(namedBase('v1', { SPEC_CHECK_BASE: 'v2' })).toEqual({ ref: 'v1', from: '--base' });
    expect(namedBase(undefined, { SPEC_CHECK_BASE: ' v2 ' })).toEqual({ ref: 'v2', from: 'SPEC_CHECK_BASE' });
    expect(namedBase(undefined, {})).toBeUndefined();
    expect(namedBase(undefined, { SPEC_CHECK_BASE: '' })).toBeUndefined();
    expect(namedBase(undefined, { SPEC_CHECK_BASE: '0'.repeat(40) })).toBeUndefined();
  });
});

describe('acknowledging a break', () => {
  it(
    'excuses exactly the acknowledged change against its base: not another change, not against another base',
    async () => {
      const project = specProject({ prepare: requireMember('jwks_uri') });
      project.write(
        'openapi.breaking-changes.yaml',
        [
          'acknowledged:',
          jwksUriAcknowledgement(baseOf(project), 'Clients take jwks_uri from discovery; announced in the 2026-07 changelog.'),
          // The issuer change, but acknowledged against some other contract.
          `  - base: sha256:${'0'.repeat(64)}`,
          '    rule: prevent response property type changes',
          "    at: 'GET /.well-known/oauth-authorization-server response 200 response body: application/json property issuer'",
          "    change: expected response body property 'issuer' not to be expanded.",
          '    reason: made against another base',
          '',
        ].join('\n'),
      );
      project.editSpec((document) => {
        makeJwksUriOptional(document);
        changeIssuerType(document);
      });
      const section = await checkBreakingChanges(project.dir, undefined);
      expect(section.ok).toBe(false);
      const report = section.lines.join('\n');
      expect(report).toContain('1 breaking change(s) (1 acknowledged in openapi.breaking-changes.yaml):');
      expect(report).toContain(
        "property issuer: expected response body property 'issuer' not to be expanded. [prevent response property type changes]",
      );
      expect(report).not.toContain(JWKS_URI_BREAK);
    },
    CHECK_TIMEOUT,
  );

  it(
    'prints entries that pass the formatter as pasted into the committed file; with their reason written, the break passes',
    async () => {
      const project = specProject({ prepare: requireMember('jwks_uri') });
      project.editSpec(makeJwksUriOptional);
      const failed = await checkBreakingChanges(project.dir, undefined);
      const printed = failed.lines.slice(failed.lines.findIndex((line) => line.startsWith('If a break is intended')) + 1);
      expect(printed.every((line) => line.startsWith('  '))).toBe(true);
      const file = join(project.dir, 'openapi.breaking-changes.yaml');
      const pasted = `${readFileSync(file, 'utf8')}${printed.join('\n')}\n`;
      expect(await formatterAccepts(file, pasted)).toBe(true);
      const reasoned = pasted.replace("reason: ''", 'reason: Clients take jwks_uri from discovery; announced in the changelog.');
      expect(await formatterAccepts(file, reasoned)).toBe(true);
      project.write('openapi.breaking-changes.yaml', reasoned);
      expect(await checkBreakingChanges(project.dir, undefined)).toMatchObject({
        ok: true,
        lines: [expect.stringMatching(/: no breaking changes \(1 acknowledged in openapi\.breaking-changes\.yaml\)$/)],
      });
    },
    CHECK_TIMEOUT,
  );

  it(
    'fails on an entry for this base that matches no change, so the file stays honest',
    async () => {
      const project = specProject({ prepare: requireMember('jwks_uri') });
      project.write(
        'openapi.breaking-changes.yaml',
        `acknowledged:\n${jwksUriAcknowledgement(baseOf(project), 'planned, then reverted')}\n`,
      );
      const section = await checkBreakingChanges(project.dir, undefined);
      expect(section.ok).toBe(false);
      expect(section.lines).toContain(
        `openapi.breaking-changes.yaml: acknowledged[0] (${JWKS_URI_BREAK}) matches no breaking change against this base; remove it`,
      );
    },
    CHECK_TIMEOUT,
  );

  it(
    'refuses an entry without a reason, naming the field',
    async () => {
      const project = specProject();
      project.write('openapi.breaking-changes.yaml', `acknowledged:\n${jwksUriAcknowledgement(baseOf(project), "''")}\n`);
      expect(await checkBreakingChanges(project.dir, undefined)).toEqual({
        ok: false,
        lines: ['openapi.breaking-changes.yaml: acknowledged[0].reason: is required, a non-empty string'],
      });
    },
    CHECK_TIMEOUT,
  );
});

describe('both checks', () => {
  it(
    'a new operation and a new optional property are no break, but the new lint findings fail, each named with rule and place',
    async () => {
      const project = specProject();
      project.editSpec((document) => {
        oauthMetadata(document).properties[undefinedMetadataUrlMember()] = { type: 'string', description: 'URL of an RFC 8414 endpoint' };
        const operation = structuredClone(metadataOperation(document));
        delete operation.description;
        // A path no real operation will take, so that the operation stays new.
        document.paths['/.well-known/__new-operation__'] = { get: operation };
      });
      const [breaking, lint] = await checkContract(project.dir, undefined);
      expect(breaking).toMatchObject({ ok: true, lines: [expect.stringContaining('no breaking changes')] });
      expect(lint?.ok).toBe(false);
      const findings = lint?.lines.filter((line) => line.startsWith('  ')) ?? [];
      expect(findings).toContainEqual(
        expect.stringMatching(
          /^ {2}openapi\.json:\d+:\d+ operation-description \(error\): .* at #\/paths\/~1\.well-known~1__new-operation__\/get\/description$/,
        ),
      );
      // The upstream-style gaps of the new operation are new findings too: the baseline names the inherited ones only.
      // (A warning in redocly.yaml, for other tools: spec:check fails on it all the same.)
      expect(findings).toContainEqual(expect.stringContaining('security-defined ('));
      expect(findings.every((line) => line.includes('__new-operation__'))).toBe(true);
    },
    CHECK_TIMEOUT,
  );

  it('an openapi.json that is not JSON is one failure naming the file', async () => {
    const project = specProject();
    project.write('openapi.json', '{\n  "openapi": "3.1.0"\n  "info": {}\n}\n');
    const sections = await checkContract(project.dir, undefined);
    expect(sections).toEqual([
      { ok: false, lines: [`${project.dir}/openapi.json: invalid JSON at line 3, column 3: expected ',' or '}' after property value`] },
    ]);
  });
});

describe('lint', () => {
  it(
    'fails on a baseline entry that no longer matches a finding',
    async () => {
      const project = specProject({ git: false });
      const baseline = readFileSync(join(project.dir, 'openapi.lint-baseline.yaml'), 'utf8');
      project.write('openapi.lint-baseline.yaml', `${baseline}\n  - rule: tag-description\n    pointer: "#/tags/0"\n    reason: stale\n`);
      expect(await checkLint(project.dir)).toEqual({
        ok: false,
        lines: [
          expect.stringContaining('no new findings'),
          'openapi.lint-baseline.yaml: tag-description at #/tags/0 no longer occurs; remove the entry',
        ],
      });
    },
    CHECK_TIMEOUT,
  );
});
