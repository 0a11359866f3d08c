/**
 * The two checks of `npm run spec:check` on temporary copies of the contract, each in its own git repository (the
 * real openapi.json is never edited): the choice of base, breaking changes and their acknowledgement, and lint
 * against the baseline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBreakingChanges, checkContract, checkLint } from '../../../scripts/spec/check.js';
import { metadataOperation, oauthMetadata, specProject, type SpecDocument, type SpecProject } from './helpers.js';

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
    '    at: "GET /.well-known/oauth-authorization-server response 200 response body: application/json property jwks_uri"',
    "    change: cannot make required response property 'jwks_uri' optional.",
    `    reason: ${reason}`,
  ].join('\n');
}

describe('the base', () => {
  it(
    'on a clean main is HEAD itself: the contract is compared with itself and passes',
    async () => {
      const project = specProject();
      const head = project.git('rev-parse', 'HEAD');
      expect(await checkBreakingChanges(project.dir, undefined)).toEqual({
        ok: true,
        lines: [`openapi.json against main (merge-base ${head.slice(0, 8)}): no breaking changes`],
      });
    },
    CHECK_TIMEOUT,
  );

  it(
    'on a branch is where it left main, wherever main went since: removing jwks_uri from OAuthMetadata.required there fails, naming it, where it is, and the entry that would acknowledge it',
    async () => {
      const project = specProject();
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
      expect(report).toContain(jwksUriAcknowledgement(base, '""'));
    },
    CHECK_TIMEOUT,
  );

  it(
    'is the commit --base names',
    async () => {
      const project = specProject();
      project.editSpec(makeJwksUriOptional);
      project.commit('make jwks_uri optional');
      // HEAD holds the change, so against HEAD there is nothing to find (and Optic need not run).
      const section = await checkBreakingChanges(project.dir, 'HEAD');
      expect(section).toEqual({
        ok: true,
        lines: [`openapi.json against HEAD (${project.git('rev-parse', 'HEAD').slice(0, 8)}): no breaking changes`],
      });
    },
    CHECK_TIMEOUT,
  );

  it.each([
    [
      'outside git',
      () => specProject({ git: false }),
      undefined,
      /^cannot resolve the base contract: \/.* is not inside a git repository$/,
    ],
    [
      'without main',
      () => specProject({ branch: 'trunk' }),
      undefined,
      /^cannot resolve the base contract: this repository has no branch main \(nor origin\/main\); fetch it or pass --base <git-ref>$/,
    ],
    [
      'with an unknown --base',
      () => specProject(),
      'v9.9.9',
      /^cannot resolve the base contract: --base v9\.9\.9 is not a commit in this repository$/,
    ],
  ])(
    '%s is a one-line failure',
    async (_name, make, base, message) => {
      const section = await checkBreakingChanges(make().dir, base);
      expect(section.ok).toBe(false);
      expect(section.lines).toHaveLength(1);
      expect(section.lines[0]).toMatch(message);
    },
    CHECK_TIMEOUT,
  );
});

describe('acknowledging a break', () => {
  it(
    'excuses exactly the acknowledged change against its base: not another change, not against another base',
    async () => {
      const project = specProject();
      project.write(
        'openapi.breaking-changes.yaml',
        [
          'acknowledged:',
          jwksUriAcknowledgement(baseOf(project), 'Clients take jwks_uri from discovery; announced in the 2026-07 changelog.'),
          // The issuer change, but acknowledged against some other contract.
          `  - base: sha256:${'0'.repeat(64)}`,
          '    rule: prevent response property type changes',
          '    at: "GET /.well-known/oauth-authorization-server response 200 response body: application/json property issuer"',
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
    'lets an acknowledged break pass, its entry pasted into the committed file',
    async () => {
      const project = specProject();
      const committed = readFileSync(join(project.dir, 'openapi.breaking-changes.yaml'), 'utf8');
      project.write('openapi.breaking-changes.yaml', `${committed}${jwksUriAcknowledgement(baseOf(project), 'intended')}\n`);
      project.editSpec(makeJwksUriOptional);
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
      const project = specProject();
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
      project.write('openapi.breaking-changes.yaml', `acknowledged:\n${jwksUriAcknowledgement(baseOf(project), '""')}\n`);
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
        oauthMetadata(document).properties.registration_endpoint = {
          type: 'string',
          description: 'URL of the RFC 7591 registration endpoint',
        };
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
