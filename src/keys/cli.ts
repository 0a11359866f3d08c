/**
 * `npm run keys -- <command>`: generate, list, check and export the keys of a keys directory, with the same
 * parsing and rules as the running service (`scanKeysDir`), so `check` passing means the service publishes every
 * file. Without `--dir` and `KEYS_DIR`, the directory is the one the service then uses: `<project>/.dev-keys`.
 *
 * Exit codes: 0 success; 1 a key is refused (`check`), the directory cannot be read, `generate` hit an existing
 * kid or file, or `export-public` found no such published key or an existing output file; 2 usage error (the
 * usage is printed) or an invalid `KEYS_DIR`/`KEYS_DEFAULT_ALG`. Errors are lines starting `keys: `.
 */
import { writeFile } from 'node:fs/promises';
import { positiveWholeNumber, refuseArguments, type CommandLine } from '../cli/args.js';
import { defineCommand, EXIT, isEntryModule, processIo, runCommand, type CommandIo, type WithHelp } from '../cli/command.js';
import { KEY_ALGORITHMS, loadConfig, type Config, type KeyAlgorithm } from '../config.js';
import { ConfigError, errorCode, KeyInvalidError, UsageError } from '../errors.js';
import { isKeyAlgorithm } from '../rules/jwks.js';
import { MIN_RSA_BITS } from '../rules/rsa-key.js';
import { defaultKeysDir } from './dev-key.js';
import { EXPORT_FORMATS, exportPublic, type ExportFormat } from './export-public.js';
import { scanKeysDir } from './key-dir.js';
import { keyReport } from './key-report.js';
import { newKeyProblem, newKid, writeNewKey } from './new-key.js';

const USAGE = `usage: npm run keys -- <command> [options]

commands:
  generate [--kid K] [--alg A] [--bits N]   write a new private key (mode 0600) and print its kid
                                             without --alg: <kid>.pem (PKCS#8; alg from KEYS_DEFAULT_ALG)
                                             with --alg:    <kid>.json (private JWK recording kid, use, alg)
  list                                       show every key file: kid, alg, bits, published or refused (why)
  check                                      like list; exits 1 if any key is refused or none is published
  export-public [--kid K] [--format F] [--out FILE]
                                             write the public half of a published key (all keys without
                                             --kid) to FILE (never replaced) or stdout

options:
  --dir D       keys directory (default: $KEYS_DIR, else <project>/.dev-keys, as the service)
  --kid K       generate: default key-<yyyymmdd>-<random>; export-public: the key to export
  --alg A       one of ${KEY_ALGORITHMS.join(', ')}
  --bits N      RSA modulus length, at least ${MIN_RSA_BITS} (default ${MIN_RSA_BITS})
  --format F    jwk (default: a public JWK with kid and alg, or a JWKS of several keys) or pem (SPKI: the
                service takes the kid from the file name, <kid>.pem, and the alg from KEYS_DEFAULT_ALG)
  --out FILE    export-public: write FILE (mode 0644) instead of stdout
  -h, --help    show this help`;

type Env = Readonly<Record<string, string | undefined>>;

/** The options of every command; {@link COMMAND_OPTIONS} says which command takes which. */
const OPTIONS = {
  dir: { type: 'string' },
  kid: { type: 'string' },
  alg: { type: 'string' },
  bits: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

type Values = CommandLine<WithHelp<typeof OPTIONS>>['values'];

/** Options each command accepts besides `--dir` and `--help`. */
const COMMAND_OPTIONS = { generate: ['kid', 'alg', 'bits'], list: [], check: [], 'export-public': ['kid', 'format', 'out'] } as const;
type Command = keyof typeof COMMAND_OPTIONS;

/** Runs one command line (without `node` and the script) with `env` as the environment; resolves with the exit code. */
export async function main(argv: readonly string[], env: Env, io: CommandIo): Promise<number> {
  const command = defineCommand({
    name: 'keys',
    usage: USAGE,
    options: OPTIONS,
    positionals: true,
    run: ({ values, positionals }, commandIo) => run(values, positionals, env, commandIo),
  });
  return (await runCommand(command, argv, io)) ?? EXIT.ok;
}

async function run(values: Values, positionals: readonly string[], env: Env, io: CommandIo): Promise<number> {
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError('no command given');
  if (!isCommand(name)) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  refuseArguments(extra);
  const allowed: readonly string[] = COMMAND_OPTIONS[name];
  for (const option of ['kid', 'alg', 'bits', 'format', 'out'] as const) {
    if (values[option] !== undefined && !allowed.includes(option)) throw new UsageError(`${name} does not take --${option}`);
  }
  let config: Config;
  try {
    // Only the two settings used here are read, so unrelated variables of a CI environment cannot fail the command.
    config = loadConfig({ KEYS_DIR: env.KEYS_DIR, KEYS_DEFAULT_ALG: env.KEYS_DEFAULT_ALG });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The invocation is wrong, as with a bad option, but the usage would not help: the message names the setting.
    io.err(`keys: ${error.message}`);
    return EXIT.usage;
  }
  const dir = values.dir ?? config.keysDir ?? defaultKeysDir();
  if (name === 'generate') return generate(dir, values, io);
  if (name === 'export-public') return exportCommand(dir, values, config.keysDefaultAlg, io);
  const set = await scanKeysDir(dir, config.keysDefaultAlg);
  const report = keyReport(dir, set);
  report.lines.forEach((line) => io.out(line));
  return name === 'check' && !report.ok ? EXIT.failed : EXIT.ok;
}

function isCommand(name: string): name is Command {
  return Object.hasOwn(COMMAND_OPTIONS, name);
}

async function generate(dir: string, values: Values, io: CommandIo): Promise<number> {
  const alg = parseAlg(values.alg);
  const bits = positiveWholeNumber('bits', values.bits) ?? MIN_RSA_BITS;
  const kid = values.kid ?? newKid('key');
  const problem = newKeyProblem(kid, bits);
  if (problem !== undefined) throw new UsageError(problem);
  const key = await writeNewKey({ dir, kid, alg, bits });
  io.out(key.kid);
  io.err(`wrote ${key.file} (RSA ${key.bits} bits, ${key.format === 'pem' ? 'PKCS#8 PEM' : `private JWK, alg ${alg ?? ''}`}, mode 0600)`);
  io.err("publish it for at least CACHE_MAX_AGE plus the clients' cache time before signing with it");
  return EXIT.ok;
}

async function exportCommand(dir: string, values: Values, defaultAlg: KeyAlgorithm, io: CommandIo): Promise<number> {
  const format = parseFormat(values.format);
  const exported = exportPublic(await scanKeysDir(dir, defaultAlg), values.kid, format);
  const described = exported.keys.map((key) => `${key.kid} (${key.alg})`).join(', ');
  if (values.out === undefined) {
    io.out(exported.text.trimEnd());
  } else {
    try {
      await writeFile(values.out, exported.text, { mode: 0o644, flag: 'wx' });
    } catch (error) {
      if (errorCode(error) === 'EEXIST') throw new KeyInvalidError(`${values.out}: already exists; choose another --out`, { cause: error });
      throw error;
    }
    io.err(`wrote ${values.out}: public ${format === 'pem' ? 'SPKI PEM' : 'JWK'} of ${described}`);
  }
  const [key] = exported.keys;
  if (format === 'pem' && key !== undefined && key.alg !== defaultAlg) {
    io.err(
      `note: a PEM carries no alg; the service will publish it with KEYS_DEFAULT_ALG (${defaultAlg}), not ${key.alg}: use --format jwk to keep ${key.alg}`,
    );
  }
  if (format === 'pem' && key !== undefined) io.err(`name it ${key.kid}.pem in KEYS_DIR: a PEM's kid is its file name`);
  return EXIT.ok;
}

function parseFormat(format: string | undefined): ExportFormat {
  const match = EXPORT_FORMATS.find((known) => known === (format ?? 'jwk'));
  if (match === undefined) throw new UsageError(`unsupported format ${JSON.stringify(format)} (allowed: ${EXPORT_FORMATS.join(', ')})`);
  return match;
}

function parseAlg(alg: string | undefined): KeyAlgorithm | undefined {
  if (alg === undefined || isKeyAlgorithm(alg)) return alg;
  throw new UsageError(`unsupported alg ${JSON.stringify(alg)} (allowed: ${KEY_ALGORITHMS.join(', ')})`);
}

if (isEntryModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2), process.env, processIo);
