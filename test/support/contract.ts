/**
 * The contract of a modified `openapi.json`, compiled exactly as `npm run generate` compiles the project's own
 * (`scripts/contract/compile.ts`) and loaded as the server loads `generated/`: what a test of another document
 * needs, since the compiled contract is the server's only way of loading one.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileContract } from '../../scripts/contract/compile.js';
import { Contract, type CompiledContract } from '../../src/contract/contract.js';
import { projectRoot } from '../../src/contract/spec.js';

/**
 * Writes the compiled module `js` to a scratch file inside the project (so that its imports of Ajv's runtime resolve
 * to the project's node_modules), runs `use` with its path, and removes it.
 */
export async function withContractModule<T>(js: string, use: (file: string) => Promise<T>): Promise<T> {
  const scratch = join(projectRoot(), 'tmp');
  mkdirSync(scratch, { recursive: true });
  const dir = mkdtempSync(join(scratch, 'contract-'));
  try {
    const file = join(dir, 'contract.js');
    writeFileSync(file, js);
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiles `specFile` and loads it. Rejects with the compiler's `SpecError` when it refuses the document. */
export async function compiledContract(specFile: string): Promise<Contract> {
  const { js } = await compileContract(specFile);
  return withContractModule(js, async (file) => {
    const module = (await import(pathToFileURL(file).href)) as { contract: CompiledContract };
    return Contract.load(specFile, module.contract);
  });
}
