/**
 * The Dockerfile, parsed by `dockerfile-ast` (the parser behind the Dockerfile language server) into its build
 * stages, with the few readings the deploy suites and `npm run image:test` need on top.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { DockerfileParser, Run, type Copy, type From, type ImageTemplate, type JSONInstruction } from 'dockerfile-ast';
import { ROOT } from './paths.js';

/** One build stage: its `FROM` and the instructions up to the next (`getCOPYs()`, `getCMDs()`, `getENVs()`, …). */
export type Stage = ImageTemplate;

/** The Dockerfile's stages, in order. */
export function readDockerfile(file = join(ROOT, 'Dockerfile')): Stage[] {
  const dockerfile = DockerfileParser.parse(readFileSync(file, 'utf8'));
  return dockerfile.getFROMs().map((from) => dockerfile.getContainingImage(from.getRange().start) as Stage);
}

/** The stage's FROM: `getImage()` (as written, e.g. `${NODE_IMAGE}`), `getBuildStage()` (its `AS` name or null). */
export function fromOf(stage: Stage): From {
  return stage.getFROMs()[0]!;
}

/** The build arguments declared before the first FROM (the ones a FROM may use), with their defaults. */
export function globalArgs(file = join(ROOT, 'Dockerfile')): Record<string, string> {
  const properties = DockerfileParser.parse(readFileSync(file, 'utf8'))
    .getInitialARGs()
    .flatMap((arg) => arg.getProperty() ?? []);
  return Object.fromEntries(properties.map((property) => [property.getName(), property.getUnescapedValue() ?? '']));
}

/**
 * The image a stage starts from, as a build with no `--build-arg` resolves it (`node:24.22.3-bookworm-slim`), and
 * the global build argument that names it, if its FROM is one (`${NODE_IMAGE}`).
 */
export function baseOf(stage: Stage, args: Record<string, string> = globalArgs()): { image: string; arg: string | undefined } {
  const written = fromOf(stage).getImage() ?? '';
  const arg = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(written)?.[1];
  if (arg === undefined) return { image: written, arg };
  const image = args[arg];
  if (image === undefined || image === '') throw new Error(`FROM ${written}: no global ARG ${arg} with a default`);
  return { image, arg };
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

/** One RUN instruction: its command, and each `--mount` flag as its options (`{ type: 'secret', id: 'ca' }`). */
export interface RunStep {
  readonly command: string;
  readonly mounts: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** The stage's RUN instructions, in order. */
export function runsOf(stage: Stage): RunStep[] {
  return stage
    .getInstructions()
    .filter((instruction): instruction is Run => instruction instanceof Run)
    .map((run) => ({
      command: run.getArgumentsContent() ?? '',
      mounts: run
        .getFlags()
        .filter((flag) => flag.getName() === 'mount')
        .map((flag) => Object.fromEntries((flag.getValue() ?? '').split(',').map((option) => option.split('=', 2) as [string, string]))),
    }));
}

/** A shell command without its leading `NAME=value` environment assignments: `npm ci …` of `A=1 B=2 npm ci …`. */
export function programOf(command: string): string {
  return command.replace(/^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*/, '');
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
