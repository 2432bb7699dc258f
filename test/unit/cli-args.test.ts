import { describe, expect, it } from 'vitest';
import { UsageError, intFlag, parseArgs, stringFlag } from '../../src/cli/args.js';

const spec = { port: true, config: true, foreground: false, verbose: false };

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).name).toBe('UsageError');
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseArgs', () => {
  it('reads switches, valued flags in both spellings, and positionals in order', () => {
    expect(parseArgs(['start', '--port', '7323', '--config=/etc/o1m.yaml', '--foreground', 'extra'], spec)).toEqual({
      flags: { port: '7323', config: '/etc/o1m.yaml', foreground: true },
      positionals: ['start', 'extra'],
    });
  });

  it('keeps everything after "=" as the value, "=" included, and allows an empty value', () => {
    expect(parseArgs(['--config=a=b'], spec).flags.config).toBe('a=b');
    expect(parseArgs(['--config='], spec).flags.config).toBe('');
  });

  it('takes a single-dash word as a value or a positional', () => {
    expect(parseArgs(['--config', '-', '-v'], spec)).toEqual({ flags: { config: '-' }, positionals: ['-v'] });
  });

  it('treats everything after "--" as positionals', () => {
    expect(parseArgs(['--verbose', '--', '--port', '1', 'x'], spec)).toEqual({ flags: { verbose: true }, positionals: ['--port', '1', 'x'] });
  });

  it('lets a repeated flag take its last value', () => {
    expect(parseArgs(['--port', '1', '--port=2'], spec).flags.port).toBe('2');
  });

  it('refuses an unknown option, naming it', () => {
    expect(usage(() => parseArgs(['--nope'], spec))).toBe('unknown option --nope');
    expect(usage(() => parseArgs(['--nope=1'], spec))).toBe('unknown option --nope');
    expect(usage(() => parseArgs(['--'.concat('=x')], spec))).toBe('unknown option --');
  });

  // BUG (src/cli/args.ts:38): `name in spec` also finds Object.prototype keys, so --toString,
  // --constructor or --hasOwnProperty are taken as valued options instead of refused.
  it('does not take inherited object keys for declared options', () => {
    expect(usage(() => parseArgs(['--toString'], spec))).toBe('unknown option --toString');
  });

  it('refuses a value given to a switch', () => {
    expect(usage(() => parseArgs(['--foreground=yes'], spec))).toBe('--foreground takes no value');
  });

  it('refuses a valued flag without its value', () => {
    expect(usage(() => parseArgs(['--port'], spec))).toBe('--port needs a value');
    expect(usage(() => parseArgs(['--config', '--foreground'], spec))).toBe('--config needs a value');
  });
});

describe('stringFlag / intFlag', () => {
  const parsed = parseArgs(['--port', '7323', '--foreground'], spec);

  it('stringFlag returns a valued flag, undefined for a switch or an absent flag', () => {
    expect(stringFlag(parsed, 'port')).toBe('7323');
    expect(stringFlag(parsed, 'foreground')).toBeUndefined();
    expect(stringFlag(parsed, 'config')).toBeUndefined();
  });

  it('intFlag parses an integer within bounds, inclusive', () => {
    expect(intFlag(parsed, 'port', 1, 65535)).toBe(7323);
    expect(intFlag(parseArgs(['--port', '1'], spec), 'port', 1, 65535)).toBe(1);
    expect(intFlag(parseArgs(['--port', '65535'], spec), 'port', 1, 65535)).toBe(65535);
    expect(intFlag(parseArgs([], spec), 'port', 1, 65535)).toBeUndefined();
  });

  it.each([
    ['abc', '--port must be an integer from 1 to 65535, got "abc"'],
    ['0', '--port must be an integer from 1 to 65535, got "0"'],
    ['65536', '--port must be an integer from 1 to 65535, got "65536"'],
    ['-1', '--port must be an integer from 1 to 65535, got "-1"'],
    ['1.5', '--port must be an integer from 1 to 65535, got "1.5"'],
    ['1e3', '--port must be an integer from 1 to 65535, got "1e3"'],
    ['', '--port must be an integer from 1 to 65535, got ""'],
  ])('intFlag refuses %j', (value, message) => {
    expect(usage(() => intFlag(parseArgs([`--port=${value}`], spec), 'port', 1, 65535))).toBe(message);
  });
});
