import { describe, expect, it } from 'vitest';
import { LineSplitter, OVERSIZED_END_BYTES } from '../../src/primary/line-splitter.js';
import { responseIdOf } from '../../src/primary/stdio-child.js';

function splitter(maxLineBytes: number) {
  const lines: string[] = [];
  const oversized: number[] = [];
  const s = new LineSplitter(maxLineBytes, (line) => lines.push(line.toString('utf8')), (bytes) => oversized.push(bytes));
  return { push: (text: string | Buffer) => s.push(typeof text === 'string' ? Buffer.from(text) : text), lines, oversized };
}

describe('LineSplitter', () => {
  it('splits on LF and holds an unterminated tail until its newline arrives', () => {
    const s = splitter(100);
    s.push('{"a":1}\n{"b":');
    expect(s.lines).toEqual(['{"a":1}']);
    s.push('2}\n');
    expect(s.lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('gives the same lines whatever the chunking, down to one byte at a time', () => {
    const text = 'one\r\ntwo\n\nthree\n';
    const whole = splitter(100);
    whole.push(text);
    const bytes = splitter(100);
    for (const b of Buffer.from(text)) bytes.push(Buffer.from([b]));
    expect(whole.lines).toEqual(['one', 'two', 'three']);
    expect(bytes.lines).toEqual(whole.lines);
  });

  it('strips one CR before the LF (CRLF from Windows backends), but no other CRs', () => {
    const s = splitter(100);
    s.push('a\r\nb\r\r\nc\rd\n');
    expect(s.lines).toEqual(['a', 'b\r', 'c\rd']);
  });

  it('skips empty lines and lines holding only a CR', () => {
    const s = splitter(100);
    s.push('\n\n\r\nx\n');
    expect(s.lines).toEqual(['x']);
    expect(s.oversized).toEqual([]);
  });

  it('does not split a multi-byte character cut across chunks', () => {
    const s = splitter(100);
    const bytes = Buffer.from('"é"\n');
    s.push(bytes.subarray(0, 2));
    s.push(bytes.subarray(2));
    expect(s.lines).toEqual(['"é"']);
  });

  it('accepts a line of exactly the cap', () => {
    const s = splitter(5);
    s.push('12345\n');
    expect(s.lines).toEqual(['12345']);
    expect(s.oversized).toEqual([]);
  });

  it('drops a line past the cap up to its newline, reports its full size, and carries on', () => {
    const s = splitter(5);
    s.push('123');
    s.push('456');
    s.push('789');
    s.push('0\nok\n');
    expect(s.oversized).toEqual([10]);
    expect(s.lines).toEqual(['ok']);
  });

  it('reports an oversized line within a single chunk between good ones', () => {
    const s = splitter(4);
    s.push('ab\ntoo long\ncd\n');
    expect(s.lines).toEqual(['ab', 'cd']);
    expect(s.oversized).toEqual([8]);
  });

  it('counts the CR of a CRLF against the cap', () => {
    const s = splitter(3);
    s.push('abc\r\n');
    expect(s.lines).toEqual([]);
    expect(s.oversized).toEqual([4]);
  });

  it('reports an oversized line with its first and last bytes, so its JSON-RPC id can be found', () => {
    const ends: Array<{ head: string; tail: string }> = [];
    const s = new LineSplitter(1_000, () => undefined, (_bytes, e) => ends.push({ head: e.head.toString(), tail: e.tail.toString() }));
    const line = `{"jsonrpc":"2.0","id":12,"result":{"text":"${'x'.repeat(5_000)}"}}`;
    for (let i = 0; i < line.length; i += 333) s.push(Buffer.from(line.slice(i, i + 333)));
    s.push(Buffer.from('\n'));
    expect(ends).toHaveLength(1);
    expect(ends[0]!.head).toBe(line.slice(0, OVERSIZED_END_BYTES));
    expect(ends[0]!.tail).toBe(line.slice(-OVERSIZED_END_BYTES));
  });
});

describe('responseIdOf', () => {
  const ends = (line: string) => [Buffer.from(line.slice(0, OVERSIZED_END_BYTES)), Buffer.from(line.slice(-OVERSIZED_END_BYTES))] as const;
  const filler = 'y'.repeat(1_000);

  it('finds the id first (most writers) or last (the MCP SDK writes it after the result)', () => {
    expect(responseIdOf(...ends(`{"jsonrpc":"2.0","id":12,"result":{"t":"${filler}"}}`))).toBe(12);
    expect(responseIdOf(...ends(`{"id":3,"jsonrpc":"2.0","result":{"t":"${filler}"}}`))).toBe(3);
    expect(responseIdOf(...ends(`{"result":{"t":"${filler}"},"jsonrpc":"2.0","id":44}`))).toBe(44);
  });

  it('is not fooled by an id inside the payload, and finds none in a notification', () => {
    expect(responseIdOf(...ends(`{"jsonrpc":"2.0","result":{"t":"${filler}","id":9},"x":1}`))).toBeUndefined();
    expect(responseIdOf(...ends(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"m":"${filler}\\"id\\":5}"}}`))).toBeUndefined();
  });
});

