/** The one way every CLI and script runs its command line: --help, usage errors, failures, exit codes. */
import { describe, expect, it } from 'vitest';
import { defineCommand, EXIT, failureMessage, runCommand } from '../../src/cli/command.js';
import { CommandError, ConfigError, UsageError } from '../../src/errors.js';

const USAGE = 'usage: demo [--name N] [--loud] <word>...';

/** Runs a demo command whose `run` does `work` (by default: prints its arguments), capturing what it writes. */
async function demo(
  argv: string[],
  work: (values: { name?: string; loud?: boolean }, positionals: string[]) => number | undefined = (values, positionals) => {
    if (positionals.length === 0) throw new UsageError('no word given');
    return values.loud === true ? EXIT.failed : EXIT.ok;
  },
  options: { name?: string; positionals?: boolean } = {},
): Promise<{ code: number | undefined; out: string[]; err: string[]; ran: boolean }> {
  const out: string[] = [];
  const err: string[] = [];
  let ran = false;
  const command = defineCommand({
    name: 'name' in options ? options.name : 'demo',
    usage: USAGE,
    options: { name: { type: 'string' }, loud: { type: 'boolean' } },
    positionals: options.positionals ?? true,
    run: ({ values, positionals }, io) => {
      ran = true;
      io.out(`ran with ${positionals.join(' ')}`);
      return work(values, positionals);
    },
  });
  const code = await runCommand(command, argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out, err, ran };
}

describe('runCommand', () => {
  it('runs the command with its parsed options and returns its exit code', async () => {
    expect(await demo(['a', '--name', 'x', 'b'])).toEqual({ code: 0, out: ['ran with a b'], err: [], ran: true });
    expect((await demo(['a', '--loud'])).code).toBe(1);
  });

  it.each([[['--help']], [['-h']], [['word', '--bogus', '--help']], [['--name', 'x', '-h', 'extra']]])(
    '%j prints the usage on stdout, exits 0 and runs nothing',
    async (argv) => {
      expect(await demo(argv)).toEqual({ code: 0, out: [USAGE], err: [], ran: false });
    },
  );

  it('reads --help after -- as a positional', async () => {
    expect(await demo(['--', '--help'])).toMatchObject({ code: 0, out: ['ran with --help'] });
  });

  it.each([
    [['--bogus'], "demo: unknown option '--bogus'"],
    [['-x', 'word'], "demo: unknown option '-x'"],
    [['word', '--name'], "demo: Option '--name <value>' argument missing"],
    [['word', '--loud=yes'], "demo: Option '--loud' does not take an argument"],
    // parseArgs writes this one over three lines.
    [
      ['word', '--name', '--loud'],
      expect.stringMatching(/^demo: Option '--name' argument is ambiguous\. Did you forget .*'--name=-XYZ'\.$/),
    ],
    [[], 'demo: no word given'],
  ])('%j: one line naming the problem, then the usage, on stderr; exit 2', async (argv, line) => {
    const result = await demo(argv);
    expect(result).toMatchObject({ code: 2, err: [line, USAGE] });
    expect(result.out.filter((text) => !text.startsWith('ran with'))).toEqual([]);
  });

  it('refuses positionals for a command that takes none', async () => {
    expect(await demo(['word'], undefined, { positionals: false })).toEqual({
      code: 2,
      out: [],
      err: ['demo: unexpected argument "word"', USAGE],
      ran: false,
    });
  });

  it("reports a ServiceError's message as it is, without a stack; exit 1", async () => {
    const failing = await demo(['word'], () => {
      throw new CommandError('cannot read in.json: ENOENT');
    });
    expect(failing).toMatchObject({ code: 1, err: ['demo: cannot read in.json: ENOENT'] });
    const config = await demo(['word'], () => {
      throw new ConfigError(['PORT: "abc" is not a port', 'ISSUER: "x" is not a URL']);
    });
    expect(config.err).toEqual(['demo: invalid configuration:\n  - PORT: "abc" is not a port\n  - ISSUER: "x" is not a URL']);
  });

  it('reports anything else as an unexpected error with its stack, for a bug report; exit 1', async () => {
    const result = await demo(['word'], () => {
      throw new TypeError('x is undefined');
    });
    expect(result.code).toBe(1);
    expect(result.err).toEqual([expect.stringMatching(/^demo: unexpected error: TypeError: x is undefined\n\s+at /)]);
  });

  it('without a name, prints messages unprefixed (the entry of the service, whose errors name the setting)', async () => {
    const result = await demo(['--bogus'], undefined, { name: undefined });
    expect(result.err).toEqual(["unknown option '--bogus'", USAGE]);
  });

  it('passes on undefined from a command that keeps running (a server), leaving the exit code alone', async () => {
    expect((await demo(['word'], () => undefined)).code).toBeUndefined();
  });
});

describe('failureMessage', () => {
  it('is the message of a ServiceError, and "unexpected error: " and the error otherwise', () => {
    expect(failureMessage(new CommandError('it failed'))).toBe('it failed');
    expect(failureMessage(new RangeError('bad'))).toBe('unexpected error: RangeError: bad');
    expect(failureMessage('text')).toBe('unexpected error: text');
  });
});
