/** scripts/merge-upstream.ts: merging upstream exports into one document, and every way an input can be refused. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/command.js';
import { mergeUpstreamCommand } from '../../scripts/merge-upstream.js';
import { TempDirs } from '../keys/helpers.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const jwksExport = {
  openapi: '3.1.0',
  info: { title: 'Archera', version: '1' },
  tags: [{ name: 'discovery' }],
  paths: { '/.well-known/jwks.json': { get: { tags: ['discovery'] } } },
  components: { schemas: { Error: { type: 'object' } } },
};
const metadataExport = {
  openapi: '3.1.0',
  info: { title: 'Archera', version: '1' },
  tags: [{ name: 'discovery' }, { name: 'oauth' }],
  paths: { '/.well-known/oauth-authorization-server': { get: { tags: ['oauth'] } } },
  components: { schemas: { Error: { type: 'object' }, OAuthMetadata: { type: 'object' } } },
};

async function merge(dir: string, argv: string[]): Promise<{ code: number | undefined; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(mergeUpstreamCommand, argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.map((line) => line.replaceAll(dir, '<dir>')), err: err.map((line) => line.replaceAll(dir, '<dir>')) };
}

function write(dir: string, name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

describe('merge-upstream', () => {
  it('unites the paths, tags and components of exports and of the ```json blocks of a seed text', async () => {
    const dir = temp.make();
    const seed = write(dir, 'seed.txt', `Exports:\n\n\`\`\`json\n${JSON.stringify(metadataExport, null, 2)}\n\`\`\`\n`);
    const out = join(dir, 'openapi.json');
    const result = await merge(dir, [write(dir, 'jwks.json', jwksExport), seed, '--out', out]);
    expect(result).toEqual({ code: 0, out: ['wrote <dir>/openapi.json from 2 file(s)'], err: [] });
    const merged = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(merged.paths)).toEqual(['/.well-known/jwks.json', '/.well-known/oauth-authorization-server']);
    expect(merged.tags).toEqual([{ name: 'discovery' }, { name: 'oauth' }]);
    expect(Object.keys(merged.components.schemas)).toEqual(['Error', 'OAuthMetadata']);
  });

  it.each([
    [
      'a member defined differently',
      () => ({ ...metadataExport, components: { schemas: { Error: { type: 'string' } } } }),
      'merge-upstream: conflict at #/components/schemas/Error/type: the documents define it differently',
    ],
    ['a document that is not an object', () => '[1, 2]', 'merge-upstream: <dir>/b.json is not a JSON object'],
    [
      'invalid JSON, located without quoting it',
      () => '{\n  "openapi": "3.1.0"\n  "info": {}\n}',
      "merge-upstream: <dir>/b.json: invalid JSON at line 3, column 3: expected ',' or '}' after property value",
    ],
    [
      'invalid JSON in a block of a seed text, located in the text',
      () => 'Seed\n\n```json\n{\n  "openapi": "3.1.0",\n}\n```\n',
      'merge-upstream: <dir>/b.json: document 1: invalid JSON at line 6, column 1: expected double-quoted property name',
    ],
  ])('refuses %s with one line, exit 1, and writes nothing', async (_kind, second, line) => {
    const dir = temp.make();
    const out = join(dir, 'openapi.json');
    const result = await merge(dir, [write(dir, 'a.json', jwksExport), write(dir, 'b.json', second()), '--out', out]);
    expect(result).toEqual({ code: 1, out: [], err: [line] });
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an input it cannot read, naming it', async () => {
    const dir = temp.make();
    expect(await merge(dir, [join(dir, 'missing.json'), '--out', join(dir, 'out.json')])).toEqual({
      code: 1,
      out: [],
      err: ['merge-upstream: cannot read <dir>/missing.json: ENOENT'],
    });
  });

  it('without an input file, is a usage error', async () => {
    const result = await merge(temp.make(), ['--out', 'x.json']);
    expect(result.code).toBe(2);
    expect(result.err[0]).toBe('merge-upstream: no input file given');
  });
});
