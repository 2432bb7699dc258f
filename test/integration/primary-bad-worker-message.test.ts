/**
 * Nothing a worker sends may throw out of the primary's handlers: a message
 * the primary cannot handle is logged once, that worker is replaced, and
 * the primary, the other worker and the backends carry on. The test speaks
 * as a worker on the primary's own channel (its abstract unix socket, found
 * in /proc/net/unix), the way a broken or compromised worker would.
 */
import fs from 'node:fs';
import net from 'node:net';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';
import { untilWorkersAnswer, workerPids } from '../helpers/process-table.js';

afterAll(stopAll);

const REPLACEMENT_WAIT_MS = 20_000;
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

function frame(message: unknown): Buffer {
  const body = packr.pack(message);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}


/** The primary's worker channel: an abstract socket named after its pid. */
function channelPath(primary: number): string {
  const line = fs.readFileSync('/proc/net/unix', 'utf8').split('\n').find((l) => l.includes(`@only1mcp-${primary}-`));
  if (!line) throw new Error(`no worker channel of primary ${primary} in /proc/net/unix`);
  // The kernel shows the name's NUL padding as '@'; the name itself is only1mcp-<pid>-<hex>.
  return `\0${line.slice(line.indexOf('@') + 1).trim().replace(/@+$/, '')}`;
}

async function speak(path: string, frames: Buffer[]): Promise<void> {
  const socket = net.connect({ path });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(Buffer.concat(frames));
  // The primary hangs up on a channel that sent what it cannot handle.
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.on('error', () => undefined);
  });
}


describe('a worker sending what the primary cannot handle', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway(`servers:\n${fixtureServer('box', 'toolbox-server.js', [], '    isolation: shared\n')}\n`, { workers: 2 });
    await untilWorkersAnswer(gateway.base, 2);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it('is replaced, once, and the primary and the gateway carry on', async () => {
    const primary = gateway.proc.child.pid!;
    const before = workerPids(primary);
    expect(before).toHaveLength(2);

    // Undecodable bytes: the channel is dropped (the frame codec's own guard).
    await speak(channelPath(primary), [Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1])]);
    // A worker's hello, then a message that is not a message at all.
    await speak(channelPath(primary), [frame({ t: 'hello', worker: 0 }), frame(null), frame(null)]);

    const deadline = Date.now() + REPLACEMENT_WAIT_MS;
    let now = workerPids(primary);
    while (Date.now() < deadline && (now.length < 2 || before.every((p) => now.includes(p)))) {
      await new Promise((r) => setTimeout(r, 100));
      now = workerPids(primary);
    }
    expect(gateway.proc.child.exitCode).toBeNull();
    expect(now).toHaveLength(2);
    expect(before.filter((p) => now.includes(p))).toHaveLength(1);
    const output = gateway.proc.output();
    expect(output.match(/worker 0 sent a message the primary cannot handle; replacing it/g)).toHaveLength(1);
    expect(output).toMatch(/worker 0 \(pid \d+\) is being replaced: bad message on its channel: not a message object/);

    const client = await connect(gateway.url);
    const result = (await client.callTool({ name: 'box__echo', arguments: { message: 'after' } })) as { content: Array<{ text: string }> };
    expect(result.content[0]!.text).toBe('after');
    await client.close();
  }, 60_000);
});
