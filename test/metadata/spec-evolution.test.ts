import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Contract } from '../../src/contract/contract.js';
import { compiledContract } from '../support/contract.js';
import { defaultSpecPath } from '../../src/contract/spec.js';
import { resolveMetadata } from '../../src/metadata/metadata.js';
import { undefinedMetadataUrlMember } from '../support/openapi.js';
import { configFor, problemsOf, tempDir } from './helpers.js';

/** A member openapi.json does not define today. */
const MEMBER = undefinedMetadataUrlMember();

const ISSUER = 'https://auth.example.com';
const temp = tempDir();
afterAll(() => temp.cleanup());

/** A copy of openapi.json whose OAuthMetadata gains `member`, written to the temp dir. */
function specWithMember(member: string, schema: unknown): string {
  const document = JSON.parse(readFileSync(defaultSpecPath(), 'utf8')) as {
    components: { schemas: { OAuthMetadata: { properties: Record<string, unknown> } } };
  };
  document.components.schemas.OAuthMetadata.properties[member] = schema;
  return temp.write('openapi.json', JSON.stringify(document, null, 2));
}

describe('spec evolution: a member added to openapi.json is served with no code change', () => {
  const file = temp.write('metadata.json', { [MEMBER]: `${ISSUER}/oauth/register` });

  it('is refused while openapi.json does not define it', () => {
    const contract = Contract.load();
    expect(problemsOf(() => resolveMetadata(configFor(ISSUER, file), contract))).toEqual([
      `METADATA_FILE: ${MEMBER}: is not allowed by openapi.json (additionalProperties: false)`,
    ]);
  });

  it('is accepted and served once openapi.json defines it', async () => {
    const contract = await compiledContract(specWithMember(MEMBER, { type: 'string', description: 'URL of the new endpoint' }));
    const metadata = resolveMetadata(configFor(ISSUER, file), contract) as Record<string, unknown>;
    expect(metadata[MEMBER]).toBe(`${ISSUER}/oauth/register`);
    // Schema order: the new member comes where openapi.json puts it (last), so replicas still agree byte for byte.
    expect(Object.keys(metadata).at(-1)).toBe(MEMBER);
  });

  it('applies the endpoint rules to the new member, by its name', async () => {
    const contract = await compiledContract(specWithMember(MEMBER, { type: 'string' }));
    const relative = temp.write('relative.json', { [MEMBER]: '/oauth/register' });
    expect(problemsOf(() => resolveMetadata(configFor(ISSUER, relative), contract))).toEqual([
      `METADATA_FILE: ${MEMBER}: "/oauth/register" is not an absolute URL`,
    ]);
  });
});
