/**
 * `npm run docs`, on a temporary copy of the project: it writes dist/docs/index.html and nothing else, and the
 * page, opened from the file system in headless Chromium with the network out of reach, opens on every operation
 * of openapi.json with its responses and every property of their response schemas, nothing clicked.
 *
 * Chromium is Debian's package (`apt-get install chromium`; .ci/run installs it). Without it the rendering test
 * is skipped on a developer machine and fails in CI.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, specProject, type SpecDocument } from './spec/helpers.js';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
if (!HAS_CHROMIUM && !IN_CI)
  console.warn(`docs.test.ts: skipping the rendering test, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
/** The flags that keep Chromium off the network (without them it calls home) and working as root in a container. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Generous ceilings for a loaded machine: building the page, starting Chromium, rendering an operation. */
const BUILD_TIMEOUT = 120_000;
const RENDER_TIMEOUT = 30_000;

let project: string;
let page: string;

beforeAll(async () => {
  project = specProject({ git: false }).dir;
  mkdirSync(join(project, 'dist'));
  writeFileSync(join(project, 'dist', 'main.js'), '// the server bundle\n');
  await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/docs.ts')], { cwd: project });
  page = join(project, 'dist', 'docs', 'index.html');
}, BUILD_TIMEOUT);

describe('npm run docs', () => {
  it('writes dist/docs/index.html and leaves the rest of dist/ as it was', () => {
    expect(readFileSync(page, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(readdirSync(join(project, 'dist')).sort()).toEqual(['docs', 'main.js']);
    expect(readdirSync(join(project, 'dist', 'docs'))).toEqual(['index.html']);
    expect(readFileSync(join(project, 'dist', 'main.js'), 'utf8')).toBe('// the server bundle\n');
  });

  it('writes a page that loads no script or stylesheet from elsewhere and forbids the browser to', () => {
    const html = readFileSync(page, 'utf8');
    expect(html).not.toMatch(/<(?:script|link)\b[^>]*\s(?:src|href)=/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
  });
});

/** The 200 response schema of each operation and the names of its properties, read from openapi.json. */
function operations(): Array<{ path: string; schema: string; properties: string[] }> {
  const document = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as SpecDocument;
  const resolve = (node: SpecDocument): SpecDocument =>
    typeof node.$ref === 'string' ? resolve(document.components.schemas[String(node.$ref.split('/').pop())]) : node;
  return Object.entries(document.paths as Record<string, SpecDocument>).map(([path, item]) => {
    // The one media type the 200 declares, whichever JSON type it is.
    const [media] = Object.values(item.get.responses['200'].content as Record<string, SpecDocument>);
    const ref: string = media?.schema.$ref;
    const schema = resolve({ $ref: ref });
    const properties = Object.entries(schema.properties as Record<string, SpecDocument>).flatMap(([name, property]) => {
      const items = property.items === undefined ? undefined : resolve(property.items);
      // Redoc lists the members of an array of objects under the array (`keys[].kty`).
      return [name, ...Object.keys(items?.properties ?? {})];
    });
    return { path, schema: ref.split('/').pop() ?? ref, properties };
  });
}

describe.skipIf(!HAS_CHROMIUM && !IN_CI)(
  `the API reference in headless Chromium${HAS_CHROMIUM ? '' : ` (needs ${CHROMIUM}: apt-get install chromium)`}`,
  () => {
    let browser: Browser | undefined;
    afterAll(async () => browser?.close());

    it(
      'opens, offline and with nothing clicked, on every operation with its responses and every property of their schemas',
      async () => {
        if (!HAS_CHROMIUM) throw new Error(`no Chromium at ${CHROMIUM}: CI needs Debian's chromium package (.ci/run installs it)`);
        browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: RENDER_TIMEOUT });
        const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const pageErrors: string[] = [];
        const reachedNetwork: string[] = [];
        const blocked: string[] = [];
        tab.on('pageerror', (error) => pageErrors.push(error.message));
        tab.on('requestfailed', (request) => {
          if (request.failure()?.errorText === 'csp') blocked.push(request.url());
        });
        // Anything the page's own policy lets through would go to the network: record it and never send it.
        await tab.route(/^(?!file:|data:)/, async (route) => {
          reachedNetwork.push(route.request().url());
          await route.abort();
        });
        await tab.goto(pathToFileURL(page).href, { waitUntil: 'load', timeout: RENDER_TIMEOUT });

        // Only Redoc's script, running in the page, renders the operations; nothing is clicked or scrolled.
        const expected = operations();
        await tab
          .getByText('Responses', { exact: true })
          .nth(expected.length - 1)
          .waitFor({ timeout: RENDER_TIMEOUT });
        // Redoc marks each property name it renders with the class `schema-name`; a folded schema renders none. Their
        // text as the DOM holds it: Redoc styles operations `content-visibility: auto`, so one below the fold (the
        // third, in a 900 px window) has no rendered text until it is scrolled to.
        await expect
          .poll(() => tab.locator('.schema-name').allTextContents(), { timeout: RENDER_TIMEOUT, message: 'the properties of every schema' })
          .toEqual(expect.arrayContaining(expected.flatMap((operation) => operation.properties)));
        const rendered = await tab.locator('body').innerText();
        for (const operation of expected) expect(rendered).toContain(operation.path);
        // Redoc 3 folds a tag's operations behind "+ Show" (scripts/docs.ts renders without tags for that reason).
        expect(rendered).not.toMatch(/\+ Show\b/);

        expect(pageErrors).toEqual([]);
        expect(reachedNetwork).toEqual([]);
        // Redoc's "API docs by" badge image lives on a CDN; the page's Content-Security-Policy blocks it.
        expect(blocked.every((url) => url.startsWith('https://cdn.redoc.ly/'))).toBe(true);
      },
      BUILD_TIMEOUT,
    );
  },
);
