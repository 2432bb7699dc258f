import { describe, expect, it } from 'vitest';
import { parseEnvText } from '../../src/config/env-file.js';

describe('envFile syntax', () => {
  it('reads KEY=VALUE lines, export prefixes, comments and quotes', () => {
    const text = [
      '# comment',
      '',
      'A=1',
      'export B = two words # trailing comment',
      "C='single $HOME # kept'",
      'D="line\\nbreak \\"quoted\\" \\\\ end" # comment',
      'E=',
      'F=a#b',
    ].join('\r\n');
    expect(parseEnvText(text, '.env')).toEqual({ A: '1', B: 'two words', C: 'single $HOME # kept', D: 'line\nbreak "quoted" \\ end', E: '', F: 'a#b' });
  });

  const bad: [string, string][] = [
    ['no equals sign', 'JUST_A_NAME'],
    ['invalid name', '1A=x'],
    ['unclosed double quote', 'A="open'],
    ['unclosed single quote', "A='open"],
  ];
  it.each(bad)('rejects %s with the file and line', (_title, line) => {
    expect(() => parseEnvText(`OK=1\n${line}\n`, '/p/.env')).toThrow('/p/.env:2: expected KEY=VALUE');
  });
});
