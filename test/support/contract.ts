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

/** Compiles `specFile` and loads it. Rejects with the compiler's `SpecError` when it refuses the document. */
export async function compiledContract(specFile: string): Promise<Contract> {
  const { js } = await compileContract(specFile);
  // Inside the project, so that the module's imports of ajv's runtime resolve to its node_modules.
  const scratch = join(projectRoot(), 'tmp');
  mkdirSync(scratch, { recursive: true });
  const dir = mkdtempSync(join(scratch, 'contract-'));
  try {
    const file = join(dir, 'contract.js');
    writeFileSync(file, js);
    const module = (await import(pathToFileURL(file).href)) as { contract: CompiledContract };
    return Contract.load(specFile, module.contract);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
