/**
 * The image builds from what `.dockerignore` sends, and nothing secret is sent. Without a container engine, the
 * build is replayed: the build stage's COPY lines from a copy of the filtered context, its RUN steps (npm ci
 * stands in as a link to the installed node_modules, since nothing may be installed here), then the run stage's
 * COPY --from lines, and the result boots from WORKDIR with no node_modules.
 */
import { execSync, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rsaKey, keysDirWith, tempDir } from '../support/keys.js';
import { buildContext, dockerignore } from './support/build-context.js';
import { copySpec, execForm, programOf, readDockerfile, runStage } from '../../scripts/deploy/dockerfile.js';
import { assembleRunStage, assembleStage, hostPath } from './support/image-tree.js';
import { envOf, mainContainer, readManifests } from '../../scripts/deploy/manifests.js';
import { ROOT } from '../../scripts/deploy/paths.js';

const stages = readDockerfile();
const [build] = stages;
const context = buildContext();
const ignored = dockerignore();
const cleanup: string[] = [];
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

describe('.dockerignore', () => {
  it.each([
    '.dev-keys/dev-20261128-abc.pem',
    'node_modules/koa/package.json',
    'dist/main.js',
    '.git/HEAD',
    'tmp/x',
    'test/contract.test.ts',
    'keys/prod.pem',
    'src/keys/stray.pem',
    'a.key',
    '.env',
  ])('keeps %s out of the build context', (path) => {
    expect(ignored.ignores(path)).toBe(true);
  });

  it('sends every source the build stage COPYs, and every file under them', () => {
    for (const copy of build!.getCOPYs()) {
      for (const source of copySpec(copy).sources) {
        const clean = posix.normalize(source).replace(/\/$/, '');
        expect(
          context.some((file) => file === clean || file.startsWith(`${clean}/`)),
          source,
        ).toBe(true);
        if (statSync(join(ROOT, clean)).isDirectory()) {
          // A directory: every file under it in the work tree (key material aside) reaches the context.
          const onDisk = readdirSync(join(ROOT, clean), { recursive: true, withFileTypes: true })
            .filter((entry) => entry.isFile())
            .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split('\\').join('/'))
            .filter((file) => !/\.(pem|key)$/.test(file));
          expect(onDisk.length, clean).toBeGreaterThan(0);
          for (const file of onDisk) expect(context, file).toContain(file);
        }
      }
    }
  });

  it('sends no private key, whatever the work tree holds (.dev-keys/ exists after any dev start)', () => {
    const leaking = context.filter((file) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(readFileSync(join(ROOT, file), 'latin1')));
    expect(leaking).toEqual([]);
    expect(context.filter((file) => file.startsWith('.dev-keys/') || file.startsWith('node_modules/') || file.startsWith('dist/'))).toEqual(
      [],
    );
  });
});

describe('the Dockerfile build, replayed on the context', () => {
  it('builds dist/ in the build stage and the run stage boots from it with no node_modules', () => {
    const buildRoot = tempDir('wk-docker-build-');
    const runRoot = tempDir('wk-docker-run-');
    cleanup.push(buildRoot, runRoot);
    const steps: string[] = [];
    // Build-context sources are filtered by .dockerignore: files it leaves out do not exist for the build.
    assembleStage(build!, buildRoot, {
      run(command, cwd) {
        steps.push(command);
        if (/^npm ci\b/.test(programOf(command))) {
          // npm ci needs the lockfile in the stage; the dev dependencies it installs are the ones installed here.
          expect(existsSync(join(cwd, 'package-lock.json'))).toBe(true);
          symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'));
        } else if (command === 'npx tsx scripts/build.ts') {
          execSync(command, { cwd, stdio: 'pipe' });
        } else {
          throw new Error(`RUN ${command}: not modelled by this test; teach it the step`);
        }
      },
    });
    expect(steps.some((step) => programOf(step).startsWith('npm ci'))).toBe(true);
    const workdir = assembleRunStage(runRoot, buildRoot);
    const app = hostPath(runRoot, workdir);
    expect(existsSync(join(app, 'node_modules'))).toBe(false);
    expect(existsSync(join(app, 'dist/main.js'))).toBe(true);

    // `node dist/main.js --check` validates configuration, openapi.json and keys: the image's contents suffice.
    const argv = execForm(runStage(stages).getCMDs().at(-1));
    const { ISSUER } = envOf(mainContainer(readManifests().one('Deployment')));
    const keysDir = keysDirWith({ image: rsaKey() });
    cleanup.push(keysDir);
    const output = execFileSync(process.execPath, [...argv.slice(1), '--check'], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', ISSUER: ISSUER!, KEYS_DIR: keysDir },
      encoding: 'utf8',
    });
    expect(output).toContain(ISSUER);
    expect(output).toContain('image');
  });
});
