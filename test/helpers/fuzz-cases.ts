/**
 * Generators of malformed HTTP requests for the front door, from a seeded
 * PRNG so a failure can be replayed. Each case says which statuses a correct
 * gateway may answer with; anything else (or a dropped connection, or a
 * worker restart) is a bug.
 */

export interface FuzzCase {
  kind: string;
  method: 'POST' | 'GET' | 'DELETE' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** Statuses a correct gateway may answer with. */
  allowed: number[];
  /** Text the answer must contain (an id echoed exactly). */
  expect?: string;
}

/** Raw HTTP request texts whose body framing a proxy and the gateway could read differently (request smuggling). */
export interface SmuggleCase {
  kind: string;
  raw: string;
  /** A status line the gateway may answer with; 'closed' when closing without an answer is correct (uWS refuses it itself). */
  allowed: Array<400 | 'closed'>;
}

const SMUGGLE_BODY = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
const SMUGGLE_HEAD = 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n';
const CHUNKED_BODY = `${SMUGGLE_BODY.length.toString(16)}\r\n${SMUGGLE_BODY}\r\n0\r\n\r\n`;

export const SMUGGLE_CASES: readonly SmuggleCase[] = [
  { kind: 'conflicting-content-length', raw: `${SMUGGLE_HEAD}Content-Length: ${SMUGGLE_BODY.length}\r\nContent-Length: 5\r\n\r\n${SMUGGLE_BODY}`, allowed: [400] },
  { kind: 'content-length-list', raw: `${SMUGGLE_HEAD}Content-Length: ${SMUGGLE_BODY.length}, 5\r\n\r\n${SMUGGLE_BODY}`, allowed: [400, 'closed'] },
  { kind: 'content-length-and-chunked', raw: `${SMUGGLE_HEAD}Content-Length: ${SMUGGLE_BODY.length}\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`, allowed: [400, 'closed'] },
  { kind: 'chunked-not-last', raw: `${SMUGGLE_HEAD}Transfer-Encoding: chunked, identity\r\n\r\n${CHUNKED_BODY}`, allowed: [400, 'closed'] },
  { kind: 'gzip-chunked', raw: `${SMUGGLE_HEAD}Transfer-Encoding: gzip, chunked\r\n\r\n${CHUNKED_BODY}`, allowed: [400, 'closed'] },
  { kind: 'chunked-twice', raw: `${SMUGGLE_HEAD}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`, allowed: [400, 'closed'] },
  { kind: 'invalid-content-length', raw: `${SMUGGLE_HEAD}Content-Length: 1x\r\n\r\n${SMUGGLE_BODY}`, allowed: [400, 'closed'] },
  { kind: 'negative-content-length', raw: `${SMUGGLE_HEAD}Content-Length: -1\r\n\r\n${SMUGGLE_BODY}`, allowed: [400, 'closed'] },
  { kind: 'plus-content-length', raw: `${SMUGGLE_HEAD}Content-Length: +${SMUGGLE_BODY.length}\r\n\r\n${SMUGGLE_BODY}`, allowed: [400, 'closed'] },
  { kind: 'obs-fold', raw: `${SMUGGLE_HEAD}X-Folded: a\r\n  b\r\nContent-Length: ${SMUGGLE_BODY.length}\r\n\r\n${SMUGGLE_BODY}`, allowed: [400, 'closed'] },
  { kind: 'space-before-colon', raw: `${SMUGGLE_HEAD}Content-Length : ${SMUGGLE_BODY.length}\r\n\r\n${SMUGGLE_BODY}`, allowed: [400, 'closed'] },
];

/** The largest integer a JS number holds exactly, plus two: parses to ...992. */
export const BIG_ID = '9007199254740993';

export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const MODERN = { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28' };
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

const METHODS = ['tools/call', 'tools/list', 'prompts/get', 'resources/read', 'resources/subscribe', 'completion/complete', 'initialize', 'ping', 'logging/setLevel', 'server/discover', 'subscriptions/listen', 'nope/nope', '', 'tools/call\u0000'];

const WEIRD_VALUES: unknown[] = [null, 0, -1, 1e308, '', 'x'.repeat(300), [], {}, [[[]]], true, { __proto__: { polluted: true } }, '\ud800', '💥', { name: 5 }, { uri: [] }];

export function makeCases(count: number, seed: number, sessionId: string): FuzzCase[] {
  return Array.from(caseStream(count, seed, sessionId));
}

/** `count` cases made one at a time (a million do not fit in memory as one array of bodies). */
export function* caseStream(count: number, seed: number, sessionId: string): Generator<FuzzCase> {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const weird = () => pick(WEIRD_VALUES);
  const generators: Array<() => FuzzCase> = [
    () => ({ kind: 'random-bytes', method: 'POST', path: '/mcp', headers: JSON_HEADERS, body: Buffer.from(Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256))), allowed: [400] }),
    () => {
      const full = JSON.stringify({ jsonrpc: '2.0', id: 1, method: pick(METHODS), params: { name: 'box__echo', arguments: { message: 'x' } } });
      return { kind: 'truncated-json', method: 'POST', path: '/mcp', headers: JSON_HEADERS, body: full.slice(0, Math.floor(r() * (full.length - 1))), allowed: [400] };
    },
    () => ({ kind: 'non-object-json', method: 'POST', path: '/mcp', headers: JSON_HEADERS, body: JSON.stringify(pick([1, 'str', null, true, [1, 2], [], [{}], [null]])), allowed: [400] }),
    () => ({
      kind: 'bad-envelope',
      method: 'POST',
      path: '/mcp',
      headers: { ...JSON_HEADERS, 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: pick(['1.0', 2, null, '2.0 ']), id: weird(), method: weird(), params: weird() }),
      allowed: [400],
    }),
    () => ({
      kind: 'session-garbage-params',
      method: 'POST',
      path: '/mcp',
      headers: { ...JSON_HEADERS, 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: Math.floor(r() * 1000), method: pick(METHODS.filter((m) => m !== 'initialize')), params: pick([{}, { name: weird(), arguments: weird() }, { uri: weird() }, { ref: weird() }, { level: weird() }]) }),
      // JSON-RPC errors travel in 200 responses on a session; a method that takes no params still answers 200.
      allowed: [200, 400],
    }),
    () => ({
      kind: 'unknown-session',
      method: 'POST',
      path: '/mcp',
      headers: { ...JSON_HEADERS, 'mcp-session-id': pick(['x', 'a'.repeat(200), '\t', 'nope', sessionId.slice(1)]) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      allowed: [400, 404],
    }),
    () => {
      // subscriptions/listen with valid headers opens a stream that stays open by design: not a malformed request.
      const method = pick(METHODS.filter((m) => m !== 'subscriptions/listen'));
      return {
        kind: 'modern-bad-headers',
        method: 'POST',
        path: '/mcp',
        // The header never carries control characters: HTTP clients refuse to send those at all.
        headers: { ...MODERN, 'mcp-method': pick([method.replace(/[\u0000-\u001f]/g, ''), 'tools/list', '', 'x'.repeat(50)]), 'mcp-name': pick(['=?base64?!!!?=', 'box__echo', '', '=?base64?YQ==?=']), 'mcp-protocol-version': pick(['2026-07-28', '1900-01-01', 'v', '']) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: pick([{ _meta: META, name: 'box__echo', arguments: {} }, { _meta: weird() }, {}, { _meta: { ...META, 'io.modelcontextprotocol/clientCapabilities': weird() } }]) }),
        allowed: [200, 202, 400, 404],
      };
    },
    () => ({ kind: 'wrong-content-type', method: 'POST', path: '/mcp', headers: { 'content-type': pick(['text/plain', 'application/xml', '', 'multipart/form-data']), accept: 'application/json' }, body: '{}', allowed: [415] }),
    () => ({ kind: 'wrong-accept', method: 'POST', path: '/mcp', headers: { 'content-type': 'application/json', accept: pick(['text/html', 'image/png']) }, body: '{}', allowed: [406] }),
    () => ({ kind: 'bad-http-method', method: 'PUT', path: '/mcp', headers: JSON_HEADERS, body: '{}', allowed: [405] }),
    () => ({ kind: 'get-without-session', method: 'GET', path: '/mcp', headers: { accept: 'text/event-stream', 'mcp-session-id': pick(['', 'nope']) }, allowed: [404, 405] }),
    () => ({ kind: 'delete-unknown', method: 'DELETE', path: '/mcp', headers: { 'mcp-session-id': pick(['nope', '']) }, allowed: [400, 404] }),
    () => ({ kind: 'unknown-path', method: pick(['GET', 'POST'] as const), path: pick(['/', '/mcp/', '/mcpx', '/admin', '/%zz', '/sse/../mcp']), headers: JSON_HEADERS, body: undefined, allowed: [404, 405] }),
    () => ({ kind: 'deep-nesting', method: 'POST', path: '/mcp', headers: JSON_HEADERS, body: `${'['.repeat(20_000)}${']'.repeat(20_000)}`, allowed: [400] }),
    () => ({
      kind: 'legacy-messages-garbage',
      method: 'POST',
      path: `/messages?sessionId=${pick(['nope', '%zz', ''])}`,
      headers: JSON_HEADERS,
      body: pick(['{', '[]', '{"jsonrpc":"2.0"}']),
      allowed: [400, 404],
    }),
    () => ({ kind: 'batch-rejected', method: 'POST', path: '/mcp', headers: { ...JSON_HEADERS, 'mcp-session-id': sessionId }, body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }, weird()]), allowed: [400] }),
    () => {
      // Deep nesting inside a real call, as objects or arrays: refused before any parse, with the limit named.
      const depth = 129 + Math.floor(r() * 20_000);
      const [open, close] = r() < 0.5 ? ['[', ']'] : ['{"a":', '}'];
      const nest = `${open.repeat(depth)}1${close.repeat(depth)}`;
      return { kind: 'deep-arguments', method: 'POST', path: '/mcp', headers: { ...JSON_HEADERS, 'mcp-session-id': sessionId }, body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"box__echo","arguments":{"message":${nest}}}}`, allowed: [400], expect: 'limits.maxJsonDepth' };
    },
    () => {
      // Ids past 2^53 (and long ones) come back digit for digit.
      const id = pick([BIG_ID, '-9007199254740993', '123456789012345678901234567890', `${1 + Math.floor(r() * 8e8)}${Math.floor(r() * 1e9)}`]);
      return { kind: 'big-id', method: 'POST', path: '/mcp', headers: { ...JSON_HEADERS, 'mcp-session-id': sessionId }, body: `{"jsonrpc":"2.0","id":${id},"method":"${pick(['ping', 'tools/list', 'nope/nope'])}"}`, allowed: [200, 404], expect: `"id":${id}` };
    },
    () => ({ kind: 'invalid-utf8', method: 'POST', path: '/mcp', headers: JSON_HEADERS, body: Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]), allowed: [400] }),
  ];
  for (let i = 0; i < count; i++) yield pick(generators)();
}
