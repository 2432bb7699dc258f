import { describe, expect, it } from 'vitest';
import { prettyLine } from '../../src/observe/pretty-line.js';
import { resolveLogFormat, useColours } from '../../src/observe/log.js';

const record = { level: 'warn', time: '2026-12-07T22:42:16.642Z', role: 'worker-1', pid: 42, backend: 'web', err: 'connect ECONNREFUSED 127.0.0.1:1', retryInMs: 250, msg: 'http backend handshake failed' };

describe('prettyLine', () => {
  it('prints time of day, level, role, message and the other fields, without pid', () => {
    expect(prettyLine(record, false)).toBe('22:42:16.642 WARN  worker-1 http backend handshake failed  backend=web err="connect ECONNREFUSED 127.0.0.1:1" retryInMs=250\n');
  });

  it('colours the level by severity when asked', () => {
    const line = prettyLine(record, true);
    expect(line).toContain('\u001b[33mWARN \u001b[0m');
    expect(prettyLine({ ...record, level: 'error' }, true)).toContain('\u001b[31mERROR\u001b[0m');
    expect(prettyLine({ ...record, level: 'info' }, true)).toContain('\u001b[32mINFO \u001b[0m');
  });

  it('prints objects as JSON and a stack on indented lines', () => {
    const line = prettyLine({ level: 'error', time: record.time, role: 'primary', msg: 'failed', server: { name: 'x', version: '1' }, stack: 'Error: boom\n    at f (a.js:1)' }, false);
    expect(line).toBe('22:42:16.642 ERROR primary  failed  server={"name":"x","version":"1"}\n    Error: boom\n        at f (a.js:1)\n');
  });

  it('escapes control characters a backend may have put in its stderr (no terminal escapes get through)', () => {
    const line = prettyLine({ level: 'info', time: record.time, role: 'primary', msg: 'backend \u001b[2Jstderr', stderr: 'evil \u001b]0;title\u0007 \u009b31m text\r' }, true);
    const withoutOwnColours = line.replace(/\u001b\[[0-9;]*m/g, '');
    expect(withoutOwnColours).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(withoutOwnColours).toContain('backend \\u001b[2Jstderr');
    expect(withoutOwnColours).toContain('stderr="evil \\u001b]0;title\\u0007 \\u009b31m text\\r"');
  });
});

describe('log format and colours', () => {
  it('the flag wins, then ONLY1MCP_LOG_FORMAT, then the terminal decides', () => {
    expect(resolveLogFormat('json', { ONLY1MCP_LOG_FORMAT: 'pretty' }, true)).toBe('json');
    expect(resolveLogFormat(undefined, { ONLY1MCP_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(resolveLogFormat(undefined, { ONLY1MCP_LOG_FORMAT: ' JSON ' }, true)).toBe('json');
    expect(resolveLogFormat(undefined, {}, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, {}, false)).toBe('json');
    expect(resolveLogFormat(undefined, { ONLY1MCP_LOG_FORMAT: 'fancy' }, false)).toBe('json');
  });

  it('colours on a terminal, unless NO_COLOR; FORCE_COLOR forces them', () => {
    expect(useColours({}, true)).toBe(true);
    expect(useColours({}, false)).toBe(false);
    expect(useColours({ NO_COLOR: '1' }, true)).toBe(false);
    expect(useColours({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(useColours({ FORCE_COLOR: '0' }, false)).toBe(false);
  });
});
