/**
 * The Dockerfile, parsed by `dockerfile-ast` (the parser behind the Dockerfile language server) into its build
 * stages, with the few readings the deploy suites need on top.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { DockerfileParser, type Copy, type From, type ImageTemplate, type JSONInstruction } from 'dockerfile-ast';
import { ROOT } from './paths.js';

/** One build stage: its `FROM` and the instructions up to the next (`getCOPYs()`, `getCMDs()`, `getENVs()`, …). */
export type Stage = ImageTemplate;

/** The Dockerfile's stages, in order. */
export function readDockerfile(file = join(ROOT, 'Dockerfile')): Stage[] {
  const dockerfile = DockerfileParser.parse(readFileSync(file, 'utf8'));
  return dockerfile.getFROMs().map((from) => dockerfile.getContainingImage(from.getRange().start) as Stage);
}

/** The stage's FROM: `getImage()` (e.g. `node:24.22.3-bookworm-slim`), `getBuildStage()` (its `AS` name or null). */
export function fromOf(stage: Stage): From {
  return stage.getFROMs()[0]!;
}

/** The final stage, the one the image is. */
export function runStage(stages: readonly Stage[]): Stage {
  const stage = stages.at(-1);
  if (stage === undefined) throw new Error('Dockerfile has no FROM');
  return stage;
}

/** The argument text of each of the stage's instructions of `keyword` (flags such as `--from` excluded). */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage
    .getInstructions()
    .filter((instruction) => instruction.getKeyword() === keyword)
    .map((instruction) => instruction.getArgumentsContent() ?? '');
}

/** An exec-form instruction's argv (`CMD ["node", "dist/main.js"]`); throws on the shell form. */
export function execForm(instruction: JSONInstruction | undefined): string[] {
  const argv = instruction?.getJSONStrings().map((argument) => argument.getJSONValue()) ?? [];
  if (argv.length === 0) throw new Error(`${instruction?.getKeyword() ?? 'instruction'}: not in exec (JSON) form`);
  return argv;
}

/** A COPY's `--from` stage (undefined: the build context), its sources and its destination. */
export function copySpec(copy: Copy): { from: string | undefined; sources: string[]; dest: string } {
  const json = copy.getJSONStrings().map((argument) => argument.getJSONValue());
  const words = json.length > 0 ? json : copy.getArguments().map((argument) => argument.getValue());
  const dest = words.pop();
  if (dest === undefined || words.length === 0)
    throw new Error(`COPY ${copy.getArgumentsContent() ?? ''}: needs a source and a destination`);
  return { from: copy.getFromFlag()?.getValue() ?? undefined, sources: words, dest };
}

/** The stage's WORKDIR (the last one, relative ones resolved), `/` when it sets none. */
export function workdirOf(stage: Stage): string {
  return argsOf(stage, 'WORKDIR').reduce((dir, path) => posix.resolve(dir, path), '/');
}

/** The stage's ENV settings. */
export function envOfStage(stage: Stage): Record<string, string> {
  const properties = stage.getENVs().flatMap((env) => env.getProperties());
  return Object.fromEntries(properties.map((property) => [property.getName(), property.getUnescapedValue() ?? '']));
}
