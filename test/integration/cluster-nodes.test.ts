/**
 * Two gateway processes ("nodes") on different ports sharing one Redis (a
 * server, a 3-master cluster, or a Sentinel-managed master), and
 * nginx balancing round-robin in front of them — the process-level twin of
 * docker-compose.yml. A session works on both; a client's answer to a
 * sampling request reaches the node that asked; a stream dropped on one
 * node resumes on the other with nothing lost and nothing duplicated; a
 * 2026-07-28 input_required retry finds its held call on the other node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SseDecoder, type SseEvent } from '../../src/mcp/sse.js';
import { post, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { startNginx, type TestNginx } from '../helpers/nginx.js';
import { startRedis, testTopologies, type TestRedis } from '../helpers/redis.js';
import { stopAll } from '../helpers/processes.js';

const CONFIG = `servers:\n${fixtureServer('box', 'toolbox-server.js')}\n${fixtureServer('old', 'toolbox-server.js', ['--era', 'legacy', '--name', 'old'])}\n`;
const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };

/** Reads an SSE response until `until` says stop; returns the events seen. */
async function readEvents(res: Response, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new SseDecoder((e) => events.push(e));
  const reader = res.body!.getReader();
  while (!until(events)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    decoder.push(new TextDecoder().decode(chunk.value));
  }
  await reader.cancel().catch(() => undefined);
  return events;
}

function streamPost(url: string, sid: string, body: object, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify(body),
    signal,
  });
}

afterAll(stopAll);

describe.each(testTopologies())('%s Redis', (topology) => {
  let redis: TestRedis;
  let a: Gateway;
  let b: Gateway;
  let nginx: TestNginx;

  beforeAll(async () => {
    redis = await startRedis(topology);
    [a, b] = await Promise.all([startGateway(CONFIG, { extraArgs: ['--redis', redis.url] }), startGateway(CONFIG, { extraArgs: ['--redis', redis.url] })]);
    nginx = await startNginx([a.port, b.port]);
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  describe('two nodes, one Redis', () => {
    it('a session opened on one node works on the other', async () => {
      const sid = await rawSession(a.url);
      const res = await post(b.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'on b' } } }, { 'mcp-session-id': sid });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.json())).toContain('on b');
    });

    it('a sampling request sent by one node is answered through the other', async () => {
      // A session whose client declared sampling, opened on node a.
      const init = await post(a.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo: { name: 'raw', version: '1' } } });
      const session = init.headers.get('mcp-session-id')!;
      await post(a.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': session });
      const call = await streamPost(a.url, session, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'box__ask_llm', arguments: { prompt: 'cross-node?' } } });
      const reader = call.body!.getReader();
      const events: SseEvent[] = [];
      const decoder = new SseDecoder((e) => events.push(e));
      let ask: { id: string; method: string } | undefined;
      while (!ask) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error('stream ended before the sampling request');
        decoder.push(new TextDecoder().decode(chunk.value));
        ask = events.map((e) => (e.data ? (JSON.parse(e.data) as { id: string; method: string }) : undefined)).find((m) => m?.method === 'sampling/createMessage');
      }
      const answered = await post(b.url, { jsonrpc: '2.0', id: ask.id, result: { role: 'assistant', content: { type: 'text', text: 'answered via b' }, model: 'm' } }, { 'mcp-session-id': session });
      expect(answered.status).toBe(202);
      let final: string | undefined;
      while (!final) {
        const chunk = await reader.read();
        if (chunk.done) break;
        decoder.push(new TextDecoder().decode(chunk.value));
        final = events.map((e) => e.data).find((d) => d.includes('"id":7'));
      }
      expect(final).toContain('llm said: answered via b');
    });

    it('a stream dropped on one node resumes on the other: nothing lost, nothing duplicated', async () => {
      const sid = await rawSession(a.url);
      const controller = new AbortController();
      const res = await streamPost(a.url, sid, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'box__sleep', arguments: { ms: 800 }, _meta: { progressToken: 'p9' } } }, controller.signal);
      const seen = await readEvents(res, (events) => events.filter((e) => e.data.includes('notifications/progress')).length >= 3);
      controller.abort();
      const lastId = seen.at(-1)!.id!;
      const resumed = await fetch(b.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': lastId } });
      expect(resumed.headers.get('x-only1mcp-worker')).not.toBe(res.headers.get('x-only1mcp-worker'));
      const rest = await readEvents(resumed, (events) => events.some((e) => e.data.includes('"id":9')));
      const ids = [...seen, ...rest].map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      const positions = ids.map((id) => Number(id!.split('_').pop()));
      expect(positions).toEqual(positions.map((_, i) => i));
      expect(rest.at(-1)!.data).toContain('slept 800');
    });

    it('a 2026-07-28 retry reaches the node that holds its input_required call', async () => {
      const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'old__ask_llm' };
      const first = await post(a.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'old__ask_llm', arguments: { prompt: 'hi' }, _meta: MODERN_META } }, headers);
      const round = (first.json() as { result: { resultType: string; inputRequests: Record<string, unknown>; requestState: string } }).result;
      expect(round.resultType).toBe('input_required');
      const [key] = Object.keys(round.inputRequests);
      const retry = await post(
        b.url,
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'old__ask_llm', arguments: { prompt: 'hi' }, inputResponses: { [key!]: { role: 'assistant', content: { type: 'text', text: 'from b' }, model: 'm' } }, requestState: round.requestState, _meta: MODERN_META } },
        headers,
      );
      expect(JSON.stringify(retry.json())).toContain('llm said: from b');
    });

    it('through nginx round-robin, SDK clients of both eras work end to end', async () => {
      const legacy = new Client({ name: 'via-nginx', version: '1' }, { capabilities: { sampling: {} } });
      legacy.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'nginx answer' }, model: 'm' }));
      await legacy.connect(new StreamableHTTPClientTransport(new URL(`${nginx.base}/mcp`)));
      for (let i = 0; i < 6; i++) {
        const r = await legacy.callTool({ name: 'box__ask_llm', arguments: { prompt: `q${i}` } });
        expect(JSON.stringify(r.content)).toContain('llm said: nginx answer');
      }
      await legacy.close();

      const modern = new Client({ name: 'via-nginx-modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { sampling: {} } });
      modern.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'modern via nginx' }, model: 'm' }));
      await modern.connect(new StreamableHTTPClientTransport(new URL(`${nginx.base}/mcp`)));
      for (let i = 0; i < 4; i++) {
        const r = await modern.callTool({ name: 'old__ask_llm', arguments: { prompt: `m${i}` } });
        expect(JSON.stringify(r.content)).toContain('llm said: modern via nginx');
      }
      await modern.close();
    });
  });
});
