/**
 * Every client's protocol state stays its own on every kind of backend
 * (issue 11): with the default isolation, two and then twenty SDK clients in
 * front of @modelcontextprotocol/server-everything — over stdio, Streamable
 * HTTP and legacy HTTP+SSE, through two workers on the shared store — each
 * get their own tools (by their own capabilities), their own sampling,
 * elicitation and roots, their own log messages, and a long call of one
 * never holds up or misroutes another's.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { connect } from '../helpers/clients.js';
import { npmServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, start, stopAll, waitForLine, type Proc } from '../helpers/processes.js';

const EVERYTHING = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');

type Transport = 'stdio' | 'streamable-http' | 'sse';

interface Person {
  name: string;
  client: Client;
  logs: string[];
  progress: number[];
}

const text = (result: unknown): string => JSON.stringify((result as { content: unknown }).content);

/** Retries `check` until it holds: a server registers some tools right after initialize and says so with list_changed. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

async function startBackend(transport: Transport): Promise<{ entry: string; proc?: Proc }> {
  if (transport === 'stdio') return { entry: npmServer('ev', '@modelcontextprotocol/server-everything', ['stdio']) };
  const port = await freePort();
  const mode = transport === 'sse' ? 'sse' : 'streamableHttp';
  const proc = start(process.execPath, [EVERYTHING, mode], { PORT: String(port) });
  await waitForLine(proc, transport === 'sse' ? /running on port/ : /listening on port/);
  const url = transport === 'sse' ? `http://127.0.0.1:${port}/sse` : `http://127.0.0.1:${port}/mcp`;
  return { entry: `  ev:\n    type: ${transport}\n    url: ${url}\n`, proc };
}

describe.each<Transport>(['stdio', 'streamable-http', 'sse'])('isolation over %s', (transport) => {
  let gateway: Gateway;
  let backend: Proc | undefined;
  const everyone: Client[] = [];

  async function person(name: string, capabilities: Record<string, unknown>): Promise<Person> {
    const client = await connect(gateway.url, 'legacy', capabilities);
    everyone.push(client);
    const p: Person = { name, client, logs: [], progress: [] };
    if (capabilities.sampling) {
      client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: `sampled for ${name}` }, model: 'test' }));
    }
    if (capabilities.roots) client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: `file:///home/${name}`, name: `${name}-root` }] }));
    if (capabilities.elicitation) client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { color: `${name}-blue`, number: 7, pets: 'cats' } }));
    client.setNotificationHandler('notifications/message', (n) => void p.logs.push(String(n.params.data)));
    return p;
  }

  beforeAll(async () => {
    const started = await startBackend(transport);
    backend = started.proc;
    gateway = await startGateway(`servers:\n${started.entry}`, { workers: 2 });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(everyone.map((c) => c.close().catch(() => undefined)));
    await gateway?.stop();
    await backend?.stop();
    await stopAll();
  });

  it('two clients: each is offered tools by its own capabilities, and sampling, roots and logs stay its own', async () => {
    const alice = await person('alice', { sampling: {}, roots: { listChanged: true } });
    const bob = await person('bob', { roots: { listChanged: true } });
    // get-roots-list is registered after initialize for clients with roots: once both have it, registration is done.
    const names = async (p: Person) => (await p.client.listTools()).tools.map((t) => t.name);
    await eventually(async () => (await names(alice)).includes('ev__trigger-sampling-request'), 'alice is offered trigger-sampling-request');
    await eventually(async () => (await names(bob)).includes('ev__get-roots-list'), 'bob is offered get-roots-list');
    expect(await names(bob)).not.toContain('ev__trigger-sampling-request');
    await expect(bob.client.callTool({ name: 'ev__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } })).rejects.toThrow(/Unknown tool/);

    expect(text(await alice.client.callTool({ name: 'ev__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } }))).toContain('sampled for alice');
    expect(text(await alice.client.callTool({ name: 'ev__get-roots-list', arguments: {} }))).toContain('file:///home/alice');
    const bobRoots = text(await bob.client.callTool({ name: 'ev__get-roots-list', arguments: {} }));
    expect(bobRoots).toContain('file:///home/bob');
    expect(bobRoots).not.toContain('alice');

    await alice.client.callTool({ name: 'ev__toggle-simulated-logging', arguments: {} });
    await eventually(async () => alice.logs.some((l) => /-level message/.test(l)), 'alice receives her simulated log messages');
    await new Promise((r) => setTimeout(r, 500));
    expect(bob.logs.filter((l) => /-level message/.test(l))).toEqual([]);
    await alice.client.callTool({ name: 'ev__toggle-simulated-logging', arguments: {} });
  });

  it('twenty clients at once: every sampling, elicitation and roots request reaches the client that caused it; a long call blocks no one', async () => {
    const people = await Promise.all(Array.from({ length: 20 }, (_, i) => person(`p${i}`, { sampling: {}, roots: { listChanged: true }, elicitation: { form: {} } })));
    await Promise.all(people.map((p) => eventually(async () => (await p.client.listTools()).tools.some((t) => t.name === 'ev__trigger-elicitation-request'), `${p.name} is offered elicitation`)));

    // One long call (60 s, reporting progress), cancelled once everyone else is done.
    const [slow, ...rest] = people as [Person, ...Person[]];
    let slowDone = false;
    const abort = new AbortController();
    const long = slow.client
      .callTool({ name: 'ev__trigger-long-running-operation', arguments: { duration: 60, steps: 60 } }, { onprogress: (p) => void slow.progress.push(p.progress), signal: abort.signal })
      .then(
        () => (slowDone = true),
        (err: unknown) => err,
      );
    await Promise.all(
      rest.map(async (p) => {
        expect(text(await p.client.callTool({ name: 'ev__trigger-sampling-request', arguments: { prompt: p.name, maxTokens: 5 } }))).toContain(`sampled for ${p.name}`);
        expect(text(await p.client.callTool({ name: 'ev__get-roots-list', arguments: {} }))).toContain(`file:///home/${p.name}`);
        expect(text(await p.client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} }))).toContain(`${p.name}-blue`);
        expect(text(await p.client.callTool({ name: 'ev__echo', arguments: { message: p.name } }))).toContain(p.name);
      }),
    );
    expect(slowDone, 'the others finished while the long call still ran').toBe(false);
    await eventually(async () => slow.progress.length >= 1, 'the long call reports progress to its own client');
    abort.abort();
    await long;
    for (const p of rest) expect(p.progress).toEqual([]);
  }, 120_000);
});
