/**
 * The contract compiler (`npm run generate`): what it writes for the project's openapi.json, and how it refuses a
 * document the toolchain cannot honour, one line per problem naming the JSON pointer in openapi.json.
 */
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileContract } from '../../../scripts/contract/compile.js';
import { SpecError } from '../../../src/errors.js';
import { withContractModule } from '../../support/contract.js';
import { runToEnd } from '../../support/process.js';
import { writeSpec } from '../../support/spec-copy.js';

/** The message of the SpecError `compileContract` rejects with for `edit`. */
async function refusal(edit: (doc: Record<string, any>) => void): Promise<string> {
  const error: unknown = await compileContract(writeSpec(edit)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SpecError);
  return (error as Error).message;
}

describe('compileContract', () => {
  it('compiles the project’s openapi.json into an ES module and its type', async () => {
    const { js, dts } = await compileContract();
    expect(js).toMatch(/^export const contract = Object\.freeze\(/m);
    expect(js).not.toMatch(/\brequire\(/);
    expect(dts).toContain('export declare const contract: CompiledContract;');
  });

  it('uses Ajv’s runtime helpers the same way under Node as under the tests (a maxLength validator runs in both)', async () => {
    const { js } = await compileContract(writeSpec((doc) => (doc.components.schemas.OAuthMetadata.properties.issuer.maxLength = 8)));
    await withContractModule(js, async (file) => {
      const probe = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); const v = m.contract.validators.schema_OAuthMetadata; v({ issuer: 'https://too-long.example' }); console.log(v.errors.map((e) => e.keyword).join(','));`;
      const underNode = await runToEnd(process.execPath, ['--input-type=module', '-e', probe]);
      expect(underNode.stderr).toBe('');
      expect(underNode.stdout.trim().split(',')).toContain('maxLength');
      const module = (await import(pathToFileURL(file).href)) as Record<string, (value: unknown) => boolean>;
      const validate = module.schema_OAuthMetadata as ((value: unknown) => boolean) & { errors: { keyword: string }[] };
      validate({ issuer: 'https://too-long.example' });
      expect(validate.errors.map((e) => e.keyword)).toContain('maxLength');
    });
  });

  it.each([
    [
      'an unknown format',
      (doc: Record<string, any>) => (doc.components.schemas.JWK.properties.n.format = 'base64urlx'),
      /^openapi\.json#\/components\/schemas\/JWK\/properties\/n\/format: unknown format "base64urlx" \(known: .*\buri\b.*\)$/,
    ],
    [
      'an unknown keyword',
      (doc: Record<string, any>) => (doc.components.schemas.OAuthMetadata.properties.issuer.formatt = 'uri'),
      /^openapi\.json#\/components\/schemas\/OAuthMetadata\/properties\/issuer\/formatt: unknown keyword "formatt"$/,
    ],
    [
      'a misspelt keyword in an inline schema',
      (doc: Record<string, any>) =>
        (doc.paths['/.well-known/jwks.json'].get.responses['200'].content = {
          'application/json': { schema: { type: 'string', minLenght: 1 } },
        }),
      /^openapi\.json#\/paths\/~1\.well-known~1jwks\.json\/get\/responses\/200\/content\/application~1json\/schema\/minLenght: unknown keyword "minLenght"$/,
    ],
    [
      'an invalid schema type',
      (doc: Record<string, any>) => (doc.components.schemas.JWK.type = ['strin']),
      /^openapi\.json#\/components\/schemas\/JWK\/type(?:\/0)?: must be equal to one of the allowed values \(JSON Schema 2020-12\)$/,
    ],
    [
      'an unresolvable $ref',
      (doc: Record<string, any>) => (doc.components.schemas.JWKS.properties.keys.items.$ref = '#/components/schemas/Nope'),
      /^openapi\.json#\/components\/schemas\/JWKS\/properties\/keys\/items\/\$ref: \$ref "#\/components\/schemas\/Nope" does not resolve$/,
    ],
    [
      'an OpenAPI 3.0 document',
      (doc: Record<string, any>) => (doc.openapi = '3.0.3'),
      /^openapi\.json#\/openapi: must be a 3\.1\.x version/,
    ],
    [
      'an operation without responses',
      (doc: Record<string, any>) => (doc.paths['/.well-known/jwks.json'].get.responses = {}),
      /^openapi\.json#\/paths\/~1\.well-known~1jwks\.json\/get\/responses: must list at least one response$/,
    ],
    [
      'a response media type that is not JSON',
      (doc: Record<string, any>) =>
        (doc.paths['/.well-known/jwks.json'].get.responses['200'].content = { 'text/html': { schema: { type: 'string' } } }),
      /^openapi\.json#\/paths\/~1\.well-known~1jwks\.json\/get\/responses\/200\/content\/text~1html: text\/html is not a JSON media type/,
    ],
    [
      'a cookie parameter',
      (doc: Record<string, any>) =>
        (doc.paths['/.well-known/jwks.json'].get.parameters = [{ name: 'session', in: 'cookie', schema: { type: 'string' } }]),
      /^openapi\.json#\/paths\/~1\.well-known~1jwks\.json\/get: cookie parameter "session": cookie parameters are not supported/,
    ],
  ])('refuses %s in one line naming its JSON pointer', async (_name, edit, line) => {
    const message = await refusal(edit);
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(line);
  });

  it('names every problem, one line each', async () => {
    const message = await refusal((doc) => {
      doc.components.schemas.JWK.properties.n.format = 'x1';
      doc.components.schemas.JWK.properties.e.format = 'x2';
    });
    expect(message.split('\n')).toEqual([
      expect.stringMatching(/^openapi\.json#\/components\/schemas\/JWK\/properties\/n\/format: unknown format "x1"/),
      expect.stringMatching(/^openapi\.json#\/components\/schemas\/JWK\/properties\/e\/format: unknown format "x2"/),
    ]);
  });
});
