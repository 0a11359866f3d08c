/**
 * How the container image starts the server, read from the Dockerfile rather than copied: the final stage's last
 * `CMD` (exec form, `node [flags] <entry> [arguments]`), its `NODE_*` environment (`NODE_OPTIONS`) and the Node
 * release of the image its node binary comes from. The bench starts ours exactly so, and every other Node server with the same flags.
 */
import { posix } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { CommandError } from '../../src/errors.js';

/** The image's way of running the server. */
export interface ImageCommand {
  /** Node's own flags on the CMD, before the entry (e.g. `--max-semi-space-size=4`). */
  readonly nodeFlags: readonly string[];
  /** The entry, relative to the final stage's WORKDIR (`dist/main.js`). */
  readonly entry: string;
  /** What the CMD passes after the entry. */
  readonly args: readonly string[];
  /** The final stage's `NODE_*` environment (`NODE_OPTIONS`, `NODE_ENV`...), as the container has it. */
  readonly env: Readonly<Record<string, string>>;
  /** The base image's Node release (`24.22.3`) when its tag names one. */
  readonly nodeRelease: string | undefined;
}

/** Reads {@link ImageCommand} from the text of a Dockerfile; throws naming the instruction it cannot use. */
export function imageCommand(dockerfile: string): ImageCommand {
  const parsed = DockerfileParser.parse(dockerfile);
  const from = parsed.getFROMs().at(-1);
  if (from === undefined) throw new CommandError('Dockerfile: no FROM');
  const stage = parsed.getContainingImage(from.getRange().start);
  const cmd = stage?.getCMDs().at(-1);
  if (stage === null || cmd === undefined) throw new CommandError('Dockerfile: the final stage has no CMD');
  if (stage.getENTRYPOINTs().length > 0)
    throw new CommandError('Dockerfile: the final stage sets an ENTRYPOINT; the bench reads the CMD only');
  const argv = cmd.getJSONStrings().map((argument) => argument.getJSONValue());
  // The entry is the first argument that is not an option: flags must be written `--flag=value`.
  const entryAt = argv.findIndex((argument, index) => index > 0 && !argument.startsWith('-'));
  if (argv[0] !== 'node' || entryAt === -1)
    throw new CommandError(`Dockerfile: CMD ${cmd.getArgumentsContent() ?? ''} is not the exec form ["node", flags..., entry]`);
  const workdir = stage
    .getInstructions()
    .filter((instruction) => instruction.getKeyword() === 'WORKDIR')
    .map((instruction) => instruction.getArgumentsContent() ?? '')
    .reduce((dir, path) => posix.resolve(dir, path), '/');
  const env = stage
    .getENVs()
    .flatMap((instruction) => instruction.getProperties())
    .filter((property) => property.getName().startsWith('NODE_'))
    .map((property) => [property.getName(), property.getValue() ?? ''] as const);
  // Node's binary is the final stage's base image's, or the one it copies from another stage (a Debian run stage
  // with `COPY --from=build /usr/local/bin/node …`); `FROM ${NODE_IMAGE}` is expanded with the ARG's default.
  const nodeFrom = stage
    .getCOPYs()
    .find((copy) => copy.getArguments().some((argument) => /\/bin\/node$/.test(argument.getValue())))
    ?.getFromFlag()
    ?.getValue();
  const source = parsed.getFROMs().find((candidate) => nodeFrom !== undefined && candidate.getBuildStage() === nodeFrom) ?? from;
  const image = source.getExpandedArguments()[0]?.getValue() ?? '';
  return {
    nodeFlags: argv.slice(1, entryAt),
    entry: posix.relative(workdir, posix.resolve(workdir, argv[entryAt] ?? '')),
    args: argv.slice(entryAt + 1),
    env: Object.fromEntries(env),
    nodeRelease: /^(?:[\w./-]+\/)?node:(\d+(?:\.\d+){0,2})/.exec(image)?.[1],
  };
}
