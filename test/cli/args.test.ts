/** The parsing every command shares (src/cli/args.ts); runCommand's use of it is in command.test.ts. */
import { describe, expect, it } from 'vitest';
import { asksForHelp, parseCommandLine, positiveWholeNumber, refuseArguments } from '../../src/cli/args.js';
import { UsageError } from '../../src/errors.js';

describe('parseCommandLine and its helpers', () => {
  const options = { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

  it('parseCommandLine throws a UsageError naming an unknown option as written', () => {
    expect(() => parseCommandLine(['--colour'], options)).toThrow(new UsageError("unknown option '--colour'"));
    expect(parseCommandLine(['a', '--out', 'f'], options)).toMatchObject({ values: { out: 'f' }, positionals: ['a'] });
  });

  it('asksForHelp sees --help and -h among other options, but not as the value of one or after --', () => {
    expect(asksForHelp(['--bogus', '-h'], options)).toBe(true);
    expect(asksForHelp(['--out', '--help'], options)).toBe(false);
    expect(asksForHelp(['--out=--help'], options)).toBe(false);
    expect(asksForHelp(['--', '--help'], options)).toBe(false);
  });

  it.each([['0'], ['-3'], ['1.5'], ['soon'], [''], ['99999999999999999999']])('positiveWholeNumber refuses %j', (value) => {
    expect(() => positiveWholeNumber('files', value)).toThrow(new UsageError(`--files: "${value}" is not a positive whole number`));
  });

  it('refuseArguments names the first extra argument', () => {
    expect(() => refuseArguments(['one', 'two'])).toThrow(new UsageError('unexpected argument "one"'));
    expect(() => refuseArguments([])).not.toThrow();
  });

  it('positiveWholeNumber reads a positive whole number, and undefined when the option is absent', () => {
    expect(positiveWholeNumber('files', '1000')).toBe(1000);
    expect(positiveWholeNumber('files', undefined)).toBeUndefined();
  });
});
