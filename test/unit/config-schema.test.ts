/**
 * Every validation message the config loader can produce, asserted exactly
 * as a user sees it (file:line:col: key path: message). YAML is the vehicle
 * here; config-json/config-toml check that positions hold in other formats.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText } from '../../src/config/load.js';

function failure(text: string, file = 'config.yaml'): string {
  try {
    parseConfigText(text, file, { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('top-level keys', () => {
  const cases: [string, string, string][] = [
    ['unknown key, close to a known one', 'worker: 2\n', 'config.yaml:1:1: worker: unknown key (did you mean "workers"?)'],
    ['unknown key, differing only in case', 'LogLevel: info\n', 'config.yaml:1:1: LogLevel: unknown key (did you mean "logLevel"?)'],
    ['unknown key, nothing close', 'frobnicate: 1\n', 'config.yaml:1:1: frobnicate: unknown key'],
    ['a document that is not a mapping', '- a\n- b\n', 'config.yaml:1:1: expected an object, got a list'],
    ['listen is not an object', 'listen: 7323\n', 'config.yaml:1:1: listen: expected an object, got a number'],
    ['unknown listen key', 'listen:\n  hots: 0.0.0.0\n', 'config.yaml:2:3: listen.hots: unknown key (did you mean "host"?)'],
    ['empty host', 'listen: { host: "" }\n', 'config.yaml:1:11: listen.host: must not be empty'],
    ['port out of range', 'listen:\n  port: 70000\n', 'config.yaml:2:3: listen.port: must be an integer from 0 to 65535 (a TCP port)'],
    ['port is text', 'listen:\n  port: "7323"\n', 'config.yaml:2:3: listen.port: expected an integer, got "7323"'],
    ['port is fractional', 'listen:\n  port: 1.5\n', 'config.yaml:2:3: listen.port: expected an integer, got 1.5'],
    ['port beyond safe integers (reported once)', 'listen:\n  port: 100000000000000000000\n', 'config.yaml:2:3: listen.port: must be an integer from 0 to 65535 (a TCP port)'],
    ['maxBodyBytes zero', 'listen:\n  maxBodyBytes: 0\n', 'config.yaml:2:3: listen.maxBodyBytes: must be an integer from 1 to 1073741824 (bytes)'],
    ['allowedOrigins not a list', 'listen:\n  allowedOrigins: "*"\n', 'config.yaml:2:3: listen.allowedOrigins: expected a list, got "*"'],
    ['empty allowedHosts entry', 'listen:\n  allowedHosts: [a, ""]\n', 'config.yaml:2:21: listen.allowedHosts[1]: must not be empty'],
    ['trustProxy entry not an address', 'listen:\n  trustProxy: [10.0.0.0/8, lb.internal]\n', 'config.yaml:2:28: listen.trustProxy[1]: expected an IP address or a CIDR block such as 10.0.0.0/8'],
    ['unknown limits key', 'limits:\n  sessionsPerAdress: 5\n', 'config.yaml:2:3: limits.sessionsPerAdress: unknown key (did you mean "sessionsPerAddress"?)'],
    ['limits count zero', 'limits:\n  sessionsTotal: 0\n', 'config.yaml:2:3: limits.sessionsTotal: must be an integer from 1 to 100000000 (sessions)'],
    ['workers zero', 'workers: 0\n', 'config.yaml:1:1: workers: expected "auto" or an integer from 1 to 1024'],
    ['workers a word', 'workers: many\n', 'config.yaml:1:1: workers: expected "auto" or an integer from 1 to 1024'],
    ['workers too many', 'workers: 5000\n', 'config.yaml:1:1: workers: expected "auto" or an integer from 1 to 1024'],
    ['redis not a redis URL', 'redis: http://127.0.0.1:6379\n', 'config.yaml:1:1: redis: expected a redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster://, rediss+cluster:// or unix:// URL, or "memory" for in-process state (one worker)'],
    ['redis not a string', 'redis: 6379\n', 'config.yaml:1:1: redis: expected a string, got a number'],
    ['redis Sentinel without a master name', 'redis: redis+sentinel://s1:26379,s2:26379\n', "config.yaml:1:1: redis: redis+sentinel:// needs the master's name as its path: redis+sentinel://host:26379/mymaster"],
    ['redis TLS option without TLS', 'redis: redis+cluster://n1:7000?ca=/etc/ca.pem\n', 'config.yaml:1:1: redis: ca is a TLS option: use rediss+cluster://'],
    ['redis password not repeated', 'redis: "redis://gw:Sup3rS3cret@h1,h2"\n', 'config.yaml:1:1: redis: redis:// takes one host; several hosts need redis+sentinel:// or redis+cluster://'],
    ['logLevel unknown', 'logLevel: verbose\n', 'config.yaml:1:1: logLevel: expected one of "trace", "debug", "info", "warn", "error", "fatal", got "verbose"'],
    ['naming.default unknown', 'naming:\n  default: always\n', 'config.yaml:2:3: naming.default: expected one of "prefix", "on-collision", "never", got "always"'],
    ['naming.separator invalid', 'naming:\n  separator: "::"\n', 'config.yaml:2:3: naming.separator: a separator is 1-8 characters of A-Z, a-z, 0-9, "_" and "-"'],
    ['context.mode unknown', 'context:\n  mode: lazy\n', 'config.yaml:2:3: context.mode: expected one of "full", "compact", "search", got "lazy"'],
    ['watchdog.heartbeatMs too small', 'watchdog:\n  heartbeatMs: 10\n', 'config.yaml:2:3: watchdog.heartbeatMs: must be an integer from 100 to 600000 (milliseconds)'],
    ['watchdog stall timeout under two heartbeats', 'watchdog:\n  heartbeatMs: 1000\n  stallTimeoutMs: 1500\n', 'config.yaml:1:1: watchdog: stallTimeoutMs must be at least twice heartbeatMs (one late heartbeat is not a stall)'],
    ['context.budgetTokens too small', 'context:\n  budgetTokens: 10\n', 'config.yaml:2:3: context.budgetTokens: must be an integer from 100 to 1000000 (tokens)'],
    ['context override naming no one', 'context:\n  overrides:\n    - mode: search\n', 'config.yaml:3:7: context.overrides[0]: an override needs client or principal (or both)'],
    ['context override mode unknown', 'context:\n  overrides:\n    - { client: "Claude*", mode: tiny }\n', 'config.yaml:3:28: context.overrides[0].mode: expected one of "full", "compact", "search", got "tiny"'],
    ['server name reserved for the gateway', 'servers:\n  only1mcp:\n    command: x\n', 'config.yaml:2:3: servers.only1mcp: "only1mcp" is reserved for the gateway\'s own tools; pick another server name'],
    ['servers is a list', 'servers: []\n', 'config.yaml:1:1: servers: expected an object, got a list'],
    ['servers and mcpServers', 'servers: {}\nmcpServers: {}\n', 'config.yaml:2:1: mcpServers: servers and mcpServers are the same setting; keep one'],
    ['server name', 'servers:\n  my.server:\n    command: x\n', 'config.yaml:2:3: servers["my.server"]: a server name is 1-64 characters of A-Z, a-z, 0-9, "_" and "-"'],
    ['server name too long', `servers:\n  ${'a'.repeat(65)}:\n    command: x\n`, `config.yaml:2:3: servers.${'a'.repeat(65)}: a server name is 1-64 characters of A-Z, a-z, 0-9, "_" and "-"`],
    ['VS Code input without id', 'inputs:\n  - type: promptString\n', 'config.yaml:2:5: inputs[0].id: is required'],
  ];
  it.each(cases)('%s', (_title, text, expected) => {
    expect(failure(text)).toBe(expected);
  });
});

describe('server keys', () => {
  const server = (body: string): string => `servers:\n  gh:\n${body.replace(/^/gm, '    ')}\n`;
  const cases: [string, string, string][] = [
    ['command is a number', 'command: 5', 'config.yaml:3:5: servers.gh.command: expected a string, got a number'],
    ['command is empty', 'command: ""', 'config.yaml:3:5: servers.gh.command: must not be empty'],
    ['args is a string', 'command: x\nargs: "-y pkg"', 'config.yaml:4:5: servers.gh.args: expected a list, got "-y pkg"'],
    ['args item is a number', 'command: x\nargs: [a, 2]', 'config.yaml:4:15: servers.gh.args[1]: expected a string, got a number'],
    ['env value is a number', 'command: x\nenv:\n  PORT: 8080', 'config.yaml:5:7: servers.gh.env.PORT: expected a string, got a number'],
    ['env value is a boolean', 'command: x\nenv:\n  DEBUG: true', 'config.yaml:5:7: servers.gh.env.DEBUG: expected a string, got a boolean'],
    ['url not http', 'url: ftp://example.com/mcp', 'config.yaml:3:5: servers.gh.url: expected an http:// or https:// URL'],
    ['url not a URL', 'url: example.com/mcp', 'config.yaml:3:5: servers.gh.url: expected an http:// or https:// URL'],
    ['headers not a map', 'url: https://x.example/mcp\nheaders: [a]', 'config.yaml:4:5: servers.gh.headers: expected an object, got a list'],
    ['enabled is text', 'command: x\nenabled: "yes"', 'config.yaml:4:5: servers.gh.enabled: expected true or false, got "yes"'],
    ['naming unknown', 'command: x\nnaming: sometimes', 'config.yaml:4:5: servers.gh.naming: expected one of "prefix", "on-collision", "never", got "sometimes"'],
    ['prefix reserved for the gateway', 'command: x\nprefix: only1mcp', 'config.yaml:4:5: servers.gh.prefix: "only1mcp" is reserved for the gateway\'s own tools; pick another prefix'],
    ['prefix invalid', 'command: x\nprefix: "git hub"', 'config.yaml:4:5: servers.gh.prefix: a prefix is 1-64 characters of A-Z, a-z, 0-9, "_" and "-"'],
    ['protocol unknown', 'command: x\nprotocol: v2', 'config.yaml:4:5: servers.gh.protocol: expected one of "auto", "legacy", "modern", got "v2"'],
    ['timeoutMs zero', 'command: x\ntimeoutMs: 0', 'config.yaml:4:5: servers.gh.timeoutMs: must be an integer from 1 to 2147483647 (milliseconds)'],
    ['connectTimeoutMs past the timer limit', 'command: x\nconnectTimeoutMs: 2147483648', 'config.yaml:4:5: servers.gh.connectTimeoutMs: must be an integer from 1 to 2147483647 (milliseconds)'],
    ['Cline timeout below a second', 'command: x\ntimeout: 0.5', 'config.yaml:4:5: servers.gh.timeout: must be from 1 to 2147483 (seconds)'],
    ['type unknown', 'command: x\ntype: websocket', 'config.yaml:4:5: servers.gh.type: expected one of "stdio", "streamable-http", "http", "streamableHttp", "sse", got "websocket"'],
    ['transportType unknown', 'command: x\ntransportType: ws', 'config.yaml:4:5: servers.gh.transportType: expected one of "stdio", "sse", "http", got "ws"'],
    ['unknown server key', 'comand: npx', 'config.yaml:2:3: servers.gh: needs either command (a stdio server) or url (an HTTP server)\nconfig.yaml:3:5: servers.gh.comand: unknown key (did you mean "command"?)'],
    ['neither command nor url', 'args: [x]', 'config.yaml:2:3: servers.gh: needs either command (a stdio server) or url (an HTTP server)'],
    ['both command and url', 'command: x\nurl: https://x.example/mcp', 'config.yaml:4:5: servers.gh.url: a server has either command (stdio) or url (HTTP), not both'],
    ['url and serverUrl', 'url: https://x.example/mcp\nserverUrl: https://x.example/mcp', 'config.yaml:4:5: servers.gh.serverUrl: url and serverUrl are the same setting; keep one'],
    ['transportType contradicts type', 'url: https://x.example/mcp\ntype: sse\ntransportType: http', 'config.yaml:5:5: servers.gh.transportType: transportType "http" contradicts type "sse"'],
    ['type stdio with a url', 'type: stdio\nurl: https://x.example/mcp', 'config.yaml:3:5: servers.gh.type: type "stdio" needs command, not url'],
    ['type sse with a command', 'type: sse\ncommand: x', 'config.yaml:3:5: servers.gh.type: type "sse" needs url, not command'],
    ['transportType http with a command', 'transportType: http\ncommand: x', 'config.yaml:3:5: servers.gh.transportType: transportType "http" needs url, not command'],
    ['headers on a stdio server', 'command: x\nheaders:\n  A: b', 'config.yaml:4:5: servers.gh.headers: headers applies only to HTTP servers (url)'],
    ['args on an HTTP server', 'url: https://x.example/mcp\nargs: [a]', 'config.yaml:4:5: servers.gh.args: args applies only to stdio servers (command)'],
    ['env on an HTTP server', 'url: https://x.example/mcp\nenv:\n  A: b', 'config.yaml:4:5: servers.gh.env: env applies only to stdio servers (command)'],
    ['envFile on an HTTP server', 'url: https://x.example/mcp\nenvFile: .env', 'config.yaml:4:5: servers.gh.envFile: envFile applies only to stdio servers (command)'],
    ['cwd on an HTTP server', 'url: https://x.example/mcp\ncwd: /tmp', 'config.yaml:4:5: servers.gh.cwd: cwd applies only to stdio servers (command)'],
    ['enabled and disabled', 'command: x\nenabled: true\ndisabled: false', 'config.yaml:5:5: servers.gh.disabled: enabled and disabled are the same setting; keep one'],
    ['timeout and timeoutMs', 'command: x\ntimeoutMs: 1000\ntimeout: 1', 'config.yaml:5:5: servers.gh.timeout: timeout (seconds) and timeoutMs are the same setting; keep one'],
    ['modern protocol over legacy SSE', 'type: sse\nurl: https://x.example/sse\nprotocol: modern', 'config.yaml:5:5: servers.gh.protocol: protocol "modern" cannot run over the legacy HTTP+SSE transport (type "sse")'],
    ['isolation unknown', 'command: x\nisolation: client', 'config.yaml:4:5: servers.gh.isolation: expected one of "session", "principal", "shared", got "client"'],
    ['maxProcesses zero', 'command: x\nmaxProcesses: 0', 'config.yaml:4:5: servers.gh.maxProcesses: must be an integer from 1 to 10000 (processes)'],
    ['maxProcesses on an HTTP server', 'url: https://x.example/mcp\nmaxProcesses: 4', 'config.yaml:4:5: servers.gh.maxProcesses: maxProcesses applies only to stdio servers (command)'],
    ['maxProcesses with isolation shared', 'command: x\nisolation: shared\nmaxProcesses: 4', 'config.yaml:5:5: servers.gh.maxProcesses: maxProcesses limits per-client processes, which isolation "shared" never starts; remove one of them'],
    ['idleTimeoutMs zero', 'command: x\nidleTimeoutMs: 0', 'config.yaml:4:5: servers.gh.idleTimeoutMs: must be an integer from 1 to 2147483647 (milliseconds)'],
    ['disabledTools hiding everything', 'command: x\ndisabledTools: ["*"]', 'config.yaml:4:5: servers.gh.disabledTools: "*" hides every one of the server\'s tools; remove the filter, or disable the server'],
    ['disabledTools with an empty name', 'command: x\ndisabledTools: [""]', 'config.yaml:4:21: servers.gh.disabledTools[0]: must not be empty'],
  ];
  it.each(cases)('%s', (_title, body, expected) => {
    expect(failure(server(body))).toBe(expected);
  });

  it('accepts empty args and env on an HTTP server (clients write them)', () => {
    expect(() => parseConfigText(server('url: https://x.example/mcp\nargs: []\nenv: {}'), 'config.yaml', { env: {} })).not.toThrow();
  });
});

describe('routing keys', () => {
  const server = (body: string): string => `servers:\n  gh:\n${body.replace(/^/gm, '    ')}\n`;
  const WEIGHT = 'must be a positive number up to 1000 (the replica\'s share of calls relative to the other replicas)';
  const HASH_KEY =
    'expected session, principal or argument:<name>, <name> being a tool argument: 1-64 letters, digits, "_" or "-", not starting with a digit (only its form is checked: the tools are unknown when the config loads)';
  const cases: [string, string, string][] = [
    // A replica list with no usable replica.
    ['an empty replica list', 'replicas: []', 'config.yaml:3:5: servers.gh.replicas: lists no replica; add at least one { url }'],
    ['every replica disabled', 'replicas:\n  - { url: "http://a/mcp", enabled: false }\n  - { url: "http://b/mcp", enabled: false }', 'config.yaml:3:5: servers.gh.replicas: every replica has enabled: false, so none is usable; enable one, or disable the server'],
    ['zero copies of a command', 'command: x\nreplicas: 0', 'config.yaml:4:5: servers.gh.replicas: must be an integer from 1 to 32 (copies of the command)'],
    ['too many copies of a command', 'command: x\nreplicas: 33', 'config.yaml:4:5: servers.gh.replicas: must be an integer from 1 to 32 (copies of the command)'],
    ['the same endpoint twice (credentials aside)', 'replicas:\n  - url: http://a/mcp\n  - url: http://u:p@a/mcp', 'config.yaml:5:9: servers.gh.replicas[1].url: the same endpoint as replicas[0]'],
    ['a replica without a URL', 'replicas:\n  - weight: 2', 'config.yaml:4:9: servers.gh.replicas[0].url: is required'],
    ['a replica URL that is not HTTP', 'replicas:\n  - url: ftp://a/mcp', 'config.yaml:4:9: servers.gh.replicas[0].url: expected an http:// or https:// URL'],
    ['a replica URL of the wrong type', 'replicas:\n  - url: 5', 'config.yaml:4:9: servers.gh.replicas[0].url: expected a string, got a number'],
    ['an unknown replica key', 'replicas:\n  - url: http://a/mcp\n    wieght: 2', 'config.yaml:5:9: servers.gh.replicas[0].wieght: unknown key (did you mean "weight"?)'],
    ['replicas neither a count nor a list', 'replicas: lots', 'config.yaml:3:5: servers.gh.replicas: expected a number of copies (a stdio server) or a list of { url } entries (an HTTP server)'],
    ['a replica list on a stdio server', 'command: x\nreplicas: [{ url: "http://a/mcp" }]', 'config.yaml:4:5: servers.gh.replicas: a list of replicas is for HTTP servers; a stdio server takes replicas: <count>'],
    ['a count on an HTTP server', 'url: http://a/mcp\nreplicas: 2', 'config.yaml:4:5: servers.gh.replicas: replicas: <count> runs a stdio command several times; an HTTP server lists its replicas as [{ url }, ...]'],
    ['url and a replica list', 'url: http://a/mcp\nreplicas: [{ url: "http://b/mcp" }]', "config.yaml:3:5: servers.gh.url: url and replicas both name the server's endpoint; list every URL under replicas"],
    ['type stdio with a replica list', 'type: stdio\nreplicas: [{ url: "http://b/mcp" }]', 'config.yaml:4:5: servers.gh.replicas: a list of replicas is for HTTP servers; a stdio server takes replicas: <count>'],
    // Weights that are not positive numbers.
    ['a zero weight', 'replicas:\n  - url: http://a/mcp\n    weight: 0', `config.yaml:5:9: servers.gh.replicas[0].weight: ${WEIGHT}`],
    ['a negative weight', 'replicas:\n  - url: http://a/mcp\n    weight: -2', `config.yaml:5:9: servers.gh.replicas[0].weight: ${WEIGHT}`],
    ['a weight past the limit', 'replicas:\n  - url: http://a/mcp\n    weight: 1001', `config.yaml:5:9: servers.gh.replicas[0].weight: ${WEIGHT}`],
    ['a weight in words', 'replicas:\n  - url: http://a/mcp\n    weight: heavy', 'config.yaml:5:9: servers.gh.replicas[0].weight: expected a number, got "heavy"'],
    ['weights under balance random', 'balance: random\nreplicas:\n  - url: http://a/mcp\n    weight: 2', 'config.yaml:6:9: servers.gh.replicas[0].weight: balance "random" ignores weights; use weighted-random'],
    ['an unknown algorithm', 'command: x\nbalance: fastest', 'config.yaml:4:5: servers.gh.balance: expected one of "round-robin", "least-connections", "consistent-hash", "random", "weighted-random", got "fastest"'],
    // A hash key that names no argument.
    ['a hash key naming no argument', 'command: x\nbalance: consistent-hash\nhashKey: "argument:"', `config.yaml:5:5: servers.gh.hashKey: ${HASH_KEY}`],
    ['a hash key argument that is not an identifier', 'command: x\nbalance: consistent-hash\nhashKey: "argument:1st"', `config.yaml:5:5: servers.gh.hashKey: ${HASH_KEY}`],
    ['a hash key argument with a space', 'command: x\nbalance: consistent-hash\nhashKey: "argument:repo name"', `config.yaml:5:5: servers.gh.hashKey: ${HASH_KEY}`],
    ['a hash key of no known kind', 'command: x\nbalance: consistent-hash\nhashKey: cookie', `config.yaml:5:5: servers.gh.hashKey: ${HASH_KEY}`],
    ['a hash key without consistent-hash', 'command: x\nhashKey: session', 'config.yaml:4:5: servers.gh.hashKey: hashKey applies only to balance: consistent-hash'],
    // Health checks.
    ['an HTTP health check on a stdio server', 'command: x\nhealth: { type: http, path: /h }', 'config.yaml:4:15: servers.gh.health.type: health type "http" needs an HTTP server; a stdio server is checked with ping'],
    ['an HTTP health check without a path', 'url: http://a/mcp\nhealth: { type: http }', 'config.yaml:4:5: servers.gh.health: health type "http" needs path (the path to GET, e.g. /healthz)'],
    ['a path on a ping check', 'url: http://a/mcp\nhealth: { path: /h }', 'config.yaml:4:15: servers.gh.health.path: path applies only to health type "http"'],
    ['a relative health path', 'url: http://a/mcp\nhealth: { type: http, path: h }', 'config.yaml:4:27: servers.gh.health.path: expected a path starting with "/"'],
    ['a ping check on legacy SSE', 'type: sse\nurl: http://a/sse\nhealth: {}', 'config.yaml:5:5: servers.gh.health: a legacy HTTP+SSE server (type "sse") is checked with type "http" and a path, not ping'],
    ['a probe timeout past the interval', 'url: http://a/mcp\nhealth: { intervalMs: 1000, timeoutMs: 2000 }', 'config.yaml:4:33: servers.gh.health.timeoutMs: must not exceed intervalMs (1000): a probe would still be running when the next one is due'],
    ['an interval too short', 'url: http://a/mcp\nhealth: { intervalMs: 10 }', 'config.yaml:4:15: servers.gh.health.intervalMs: must be an integer from 100 to 2147483647 (milliseconds)'],
    ['a threshold of zero', 'url: http://a/mcp\nhealth: { unhealthyThreshold: 0 }', 'config.yaml:4:15: servers.gh.health.unhealthyThreshold: must be an integer from 1 to 100 (consecutive probes)'],
    ['an unknown health check type', 'url: http://a/mcp\nhealth: { type: tcp }', 'config.yaml:4:15: servers.gh.health.type: expected one of "ping", "http", got "tcp"'],
    // Retries and long calls.
    ['zero attempts', 'url: http://a/mcp\nretry: { attempts: 0 }', 'config.yaml:4:14: servers.gh.retry.attempts: must be an integer from 1 to 10 (attempts per call)'],
    ['a budget past 100%', 'url: http://a/mcp\nretry: { budgetPercent: 101 }', 'config.yaml:4:14: servers.gh.retry.budgetPercent: must be an integer from 0 to 100 (percent)'],
    ['idempotentTools in words', 'url: http://a/mcp\nretry: { idempotentTools: "yes" }', 'config.yaml:4:14: servers.gh.retry.idempotentTools: expected true or false, got "yes"'],
    ['maxCallMs below the call timeout', 'url: http://a/mcp\ntimeoutMs: 5000\nmaxCallMs: 1000', "config.yaml:5:5: servers.gh.maxCallMs: must be at least the call timeout (5000 ms): progress extends a call's timeout, it never shortens it"],
    ['maxCallMs below the Cline timeout', 'url: http://a/mcp\ntimeout: 5\nmaxCallMs: 1000', "config.yaml:5:5: servers.gh.maxCallMs: must be at least the call timeout (5000 ms): progress extends a call's timeout, it never shortens it"],
  ];
  it.each(cases)('%s', (_title, body, expected) => {
    expect(failure(server(body))).toBe(expected);
  });
});

describe('filter and shaping keys', () => {
  const server = (body: string): string => `servers:\n  gh:\n${body.replace(/^/gm, '    ')}\n`;
  const cases: [string, string, string][] = [
    // An allow and a deny that leave nothing, where the file alone decides it.
    ['deny "*"', 'command: x\ntools: { deny: ["*"] }', 'config.yaml:4:14: servers.gh.tools.deny: "*" hides every one of the server\'s tools; remove the filter, or disable the server'],
    ['deny "**" on prompts', 'command: x\nprompts: { deny: ["**"] }', 'config.yaml:4:16: servers.gh.prompts.deny: "**" hides every one of the server\'s prompts; remove the filter, or disable the server'],
    ['an empty allow list', 'command: x\ntools: { allow: [] }', "config.yaml:4:14: servers.gh.tools.allow: an empty allow list exposes none of the server's tools; leave allow out to expose all"],
    ['a deny covering every allow', 'command: x\ntools: { allow: ["get_*", "list"], deny: ["get*", "list"] }', 'config.yaml:4:40: servers.gh.tools.deny: hides everything tools.allow lets through ("get_*" by "get*", "list" by "list"), so none of the server\'s tools would be exposed'],
    ['a resource deny covering the allow', 'command: x\nresources: { allow: ["file:///a/*"], deny: ["file:///*"] }', 'config.yaml:4:42: servers.gh.resources.deny: hides everything resources.allow lets through ("file:///a/*" by "file:///*"), so none of the server\'s resources would be exposed'],
    ['disabledTools covering the allow', 'command: x\ntools: { allow: [a] }\ndisabledTools: [a]', 'config.yaml:5:5: servers.gh.disabledTools: hides everything tools.allow lets through ("a" by "a"), so none of the server\'s tools would be exposed'],
    ['an empty glob', 'command: x\ntools: { deny: [""] }', 'config.yaml:4:21: servers.gh.tools.deny[0]: must not be empty'],
    ['renaming a denied tool', 'command: x\ntools: { deny: [echo], rename: { echo: say } }', 'config.yaml:4:38: servers.gh.tools.rename.echo: renames a tool that the deny list hides'],
    ['describing a tool the allow list leaves out', 'command: x\ntools: { allow: [a*], descriptions: { b: x } }', 'config.yaml:4:43: servers.gh.tools.descriptions.b: describes a tool that the allow list does not let through'],
    ['two tools renamed to one name', 'command: x\ntools: { rename: { a: x, b: x } }', 'config.yaml:4:30: servers.gh.tools.rename.b: "a" is already renamed to "x"'],
    ['a rename that is no tool name', 'command: x\ntools: { rename: { a: "x y" } }', 'config.yaml:4:24: servers.gh.tools.rename.a: a tool name is 1-64 characters of A-Z, a-z, 0-9, "_", "-" and "."'],
    ['an unknown filter key', 'command: x\nprompts: { rename: { a: b } }', 'config.yaml:4:16: servers.gh.prompts.rename: unknown key'],
  ];
  it.each(cases)('%s', (_title, body, expected) => {
    expect(failure(server(body))).toBe(expected);
  });

  it('accepts filters that leave something, where the file cannot tell', () => {
    expect(() => parseConfigText(server('command: x\ntools: { allow: ["get_*"], deny: ["get_secret"] }\nprompts: { deny: [a*] }'), 'config.yaml', { env: {} })).not.toThrow();
  });
});

describe('rules across servers', () => {
  it('rejects an explicit prefix another server already uses, at the prefix', () => {
    const text = 'servers:\n  github:\n    command: a\n  gh:\n    command: b\n    prefix: github\n';
    expect(failure(text)).toBe('config.yaml:6:5: servers.gh.prefix: prefix "github" is already used by server "github"');
  });

  it('rejects a default prefix (the name) another server took explicitly, at the server', () => {
    const text = 'servers:\n  gh:\n    command: b\n    prefix: github\n  github:\n    command: a\n';
    expect(failure(text)).toBe('config.yaml:5:3: servers.github: prefix "github" is already used by server "gh"');
  });

  it('allows a shared prefix when a server exposes names unprefixed', () => {
    const text = 'servers:\n  github:\n    command: a\n  gh:\n    command: b\n    prefix: github\n    naming: never\n';
    expect(() => parseConfigText(text, 'config.yaml', { env: {} })).not.toThrow();
  });
});

describe('envFile', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'only1mcp-envfile-'));

  it('reports a missing env file with its resolved path', () => {
    const file = path.join(dir, 'config.yaml');
    expect(failure('servers:\n  a:\n    command: x\n    envFile: missing.env\n', file)).toBe(
      `${file}:4:5: servers.a.envFile: cannot read env file ${path.join(dir, 'missing.env')} (ENOENT)`,
    );
  });

  it('reports a malformed line of an env file', () => {
    writeFileSync(path.join(dir, 'bad.env'), 'A=1\nnot a pair\n');
    const file = path.join(dir, 'config.yaml');
    expect(failure('servers:\n  a:\n    command: x\n    envFile: bad.env\n', file)).toBe(
      `${file}:4:5: servers.a.envFile: ${path.join(dir, 'bad.env')}:2: expected KEY=VALUE`,
    );
  });
});

describe('several problems', () => {
  it('reports all of them, in file order, one per line', () => {
    const text = ['servers:', '  b:', '    url: nope', '  a:', '    command: 1', 'workers: 0', 'extra: true', ''].join('\n');
    expect(failure(text)).toBe(
      [
        'config.yaml:3:5: servers.b.url: expected an http:// or https:// URL',
        'config.yaml:5:5: servers.a.command: expected a string, got a number',
        'config.yaml:6:1: workers: expected "auto" or an integer from 1 to 1024',
        'config.yaml:7:1: extra: unknown key',
      ].join('\n'),
    );
  });
});
