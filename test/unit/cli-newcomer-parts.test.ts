/** Small parts of the CLI a newcomer's messages depend on: naming this program, gateway URLs, the stderr window, log reading. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSelf, shellQuote } from '../../src/cli/self-command.js';
import { addressFromUrl, addressOf } from '../../src/cli/gateway-url.js';
import { StderrTail } from '../../src/primary/stderr-tail.js';
import { explainLog } from '../../src/cli/log-tail.js';
import { oneLine, LAST_ERROR_CHARS } from '../../src/cli/server-report.js';
import { UsageError } from '../../src/cli/args.js';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'only1mcp-unit-'));
}

describe('resolveSelf: how messages name this program', () => {
  const dir = tmp();
  const main = path.join(dir, 'pkg', 'main.js');
  fs.mkdirSync(path.dirname(main));
  fs.writeFileSync(main, '');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const node = path.join(dir, 'node');
  fs.writeFileSync(node, '', { mode: 0o755 });

  it('is only1mcp when that name on PATH is this very file', () => {
    fs.symlinkSync(main, path.join(bin, 'only1mcp'));
    fs.chmodSync(main, 0o755);
    expect(resolveSelf(bin, main, node)).toBe('only1mcp');
    fs.rmSync(path.join(bin, 'only1mcp'));
  });

  it('is node and the absolute file otherwise (another only1mcp on PATH does not count)', () => {
    const other = path.join(dir, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'only1mcp'), '', { mode: 0o755 });
    expect(resolveSelf(other, main, node)).toBe(`${node} ${main}`);
    fs.symlinkSync(node, path.join(other, 'node'));
    expect(resolveSelf(other, main, node)).toBe(`node ${main}`);
  });

  it('quotes words a shell would split', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellQuote("/Users/me/My Apps/it's/main.js")).toBe(`'/Users/me/My Apps/it'\\''s/main.js'`);
  });
});

describe('gateway addresses', () => {
  it('keeps the query and the path of --url; an origin alone means /mcp', () => {
    expect(addressFromUrl('http://127.0.0.1:7323/mcp?context=search')).toEqual({ base: 'http://127.0.0.1:7323', endpoint: 'http://127.0.0.1:7323/mcp?context=search' });
    expect(addressFromUrl('http://127.0.0.1:7323')).toEqual({ base: 'http://127.0.0.1:7323', endpoint: 'http://127.0.0.1:7323/mcp' });
    expect(addressFromUrl('https://gw.example.com/team-a/mcp/')).toEqual({ base: 'https://gw.example.com/team-a', endpoint: 'https://gw.example.com/team-a/mcp/' });
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => addressFromUrl('127.0.0.1:7323')).toThrow(new UsageError('--url must be an http:// or https:// URL, got "127.0.0.1:7323"'));
    expect(() => addressFromUrl('ftp://x/mcp')).toThrow(UsageError);
  });

  it('reaches a wildcard bind on loopback', () => {
    expect(addressOf('0.0.0.0', 7323).endpoint).toBe('http://127.0.0.1:7323/mcp');
    expect(addressOf('::', 7323).endpoint).toBe('http://[::1]:7323/mcp');
  });
});

describe('StderrTail', () => {
  it('keeps the newest lines within the line bound', () => {
    const tail = new StderrTail(3, 1_000);
    for (let i = 1; i <= 5; i++) tail.push(`line ${i}`);
    expect(tail.snapshot()).toEqual(['line 3', 'line 4', 'line 5']);
  });

  it('keeps the newest lines within the byte bound, and the end of one long line', () => {
    const tail = new StderrTail(10, 16);
    tail.push('aaaaaaaa');
    tail.push('bbbbbbbb');
    tail.push('cccc');
    expect(tail.snapshot()).toEqual(['bbbbbbbb', 'cccc']);
    tail.push(`${'x'.repeat(100)}the end`);
    const [only] = tail.snapshot();
    expect(tail.size).toBe(1);
    expect(Buffer.byteLength(only!)).toBeLessThanOrEqual(16);
    expect(only!.endsWith('the end')).toBe(true);
  });

  it('skips blank lines and trailing whitespace', () => {
    const tail = new StderrTail();
    tail.push('   ');
    tail.push('error \r');
    expect(tail.snapshot()).toEqual(['error']);
  });
});

describe('explainLog', () => {
  it('reads only what was written since the offset: plain lines and records at warn or above', () => {
    const file = path.join(tmp(), 'gw.log');
    fs.writeFileSync(file, 'old failure from a previous run\n');
    const since = fs.statSync(file).size;
    fs.appendFileSync(
      file,
      [
        JSON.stringify({ level: 30, msg: 'starting' }),
        JSON.stringify({ level: 50, msg: 'stdio backend handshake failed', backend: 'files', err: 'initialize timed out' }),
        'only1mcp: port 7323 on 127.0.0.1 is already in use by pid 42 (python3)',
      ].join('\n'),
    );
    expect(explainLog(file, since)).toEqual(['files: stdio backend handshake failed (initialize timed out)', 'only1mcp: port 7323 on 127.0.0.1 is already in use by pid 42 (python3)']);
  });
});

describe('oneLine', () => {
  it('collapses an HTML page to one bounded line', () => {
    expect(oneLine('HTTP 404: <!DOCTYPE html>\n<html>\n  <body>nope</body>\n</html>\n')).toBe('HTTP 404: <!DOCTYPE html> <html> <body>nope</body> </html>');
    expect(oneLine('x'.repeat(LAST_ERROR_CHARS * 2))).toHaveLength(LAST_ERROR_CHARS);
  });
});
