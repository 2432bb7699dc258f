/**
 * The active health prober against real replicas: an HTTP health path on a
 * real server, MCP pings to real replica processes that are SIGKILLed and
 * restarted on their port, a replica that accepts connections but never
 * answers, and a stdio child whose host cannot restart it until the test
 * lets it. Results go through a real store (in-process, then redis-server
 * shared by a "primary" and a "worker" connection) to a worker's HealthView.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { HealthProber, type ProbeTarget } from '../../src/primary/health-prober.js';
import { httpGetProbe, stdioHostPing } from '../../src/primary/health-probes.js';
import { httpPingProbe } from '../../src/primary/http-ping.js';
import { probeTargets } from '../../src/primary/health-targets.js';
import { StdioHost } from '../../src/primary/stdio-host.js';
import { WorkerCalls } from '../../src/primary/worker-calls.js';
import { ClientAsks } from '../../src/primary/client-asks.js';
import { HealthView } from '../../src/policy/health-view.js';
import { replicaKey } from '../../src/policy/replica-set.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { RedisStore } from '../../src/state/redis/redis-store.js';
import { primaryRegistry } from '../../src/observe/metrics.js';
import { parseConfigText } from '../../src/config/load.js';
import type { HealthCheckConfig, StdioServerConfig } from '../../src/config/model.js';
import type { StateStore } from '../../src/state/store.js';
import { FIXTURES, tempDir } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { start, stopAll, waitForLine, type Proc } from '../helpers/processes.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

const logger = pino({ level: 'silent' });
const check = (over: Partial<HealthCheckConfig> = {}): HealthCheckConfig => ({ type: 'ping', path: undefined, intervalMs: 150, timeoutMs: 150, healthyThreshold: 2, unhealthyThreshold: 2, ...over });

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const values = (await primaryRegistry.getSingleMetric(name)?.get())?.values ?? [];
  const hit = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return hit?.value;
}

async function replica(name: string, port: number): Promise<Proc> {
  const proc = start(process.execPath, [path.join(FIXTURES, 'replica-server.js'), '--name', name, '--port', String(port)]);
  await waitForLine(proc, /listening http:\/\/\S+/);
  return proc;
}

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await stopAll();
});

describe('HTTP health path (type http)', () => {
  it('takes a replica out after unhealthyThreshold failing GETs and back after healthyThreshold passing ones; metrics follow', async () => {
    let status = 200;
    const server = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end(req.url === '/healthz' ? 'x'.repeat(100_000) : ''));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/mcp`;
    const store = new MemoryStore();
    const view = new HealthView(store);
    const prober = new HealthProber(store, logger);
    cleanups.push(() => prober.stop(), () => view.close(), () => store.close());
    prober.set([{ server: 'web', replica: url, check: check({ type: 'http', path: '/healthz' }), probe: httpGetProbe(url, '/healthz') }]);
    const key = replicaKey('web', url);

    await until('first pass', () => view.snapshot(key).state === 'healthy');
    expect(await metric('only1mcp_replica_up', { server: 'web', replica: url })).toBe(1);
    status = 503;
    await until('unhealthy', () => view.snapshot(key).state === 'unhealthy');
    expect(view.snapshot(key).failures).toBe(2);
    expect(view.admits(key)).toBe(false);
    expect(await metric('only1mcp_replica_up', { server: 'web', replica: url })).toBe(0);
    status = 200;
    await until('healthy again', () => view.admits(key));
    expect(view.snapshot(key)).toMatchObject({ state: 'healthy', passes: 2 });
    expect(await metric('only1mcp_replica_health_transitions_total', { server: 'web', replica: url, to: 'unhealthy' })).toBe(1);
    expect(await metric('only1mcp_replica_health_transitions_total', { server: 'web', replica: url, to: 'healthy' })).toBe(2);
    const histogram = (await primaryRegistry.getSingleMetric('only1mcp_health_probe_seconds')!.get()).values;
    expect(histogram.some((v) => (v as { metricName?: string }).metricName === 'only1mcp_health_probe_seconds_count' && v.labels.outcome === 'fail' && v.labels.replica === url && v.value >= 2)).toBe(true);

    prober.stop();
    expect(await metric('only1mcp_replica_up', { server: 'web', replica: url })).toBeUndefined();
  });
});

describe('MCP ping over HTTP, shared through Redis', () => {
  let redis: TestRedis;
  let primary: StateStore;
  let worker: StateStore;

  beforeAll(async () => {
    redis = await startRedis();
    primary = new RedisStore(redis.url, 'hp:');
    worker = new RedisStore(redis.url, 'hp:');
    await Promise.all([primary.ready(5_000), worker.ready(5_000)]);
    cleanups.push(() => primary.close(), () => worker.close());
  });

  it('sees a SIGKILLed replica go unhealthy and come back on its port, while its sibling stays healthy', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    let a = await replica('A', portA);
    const b = await replica('B', portB);
    const config = parseConfigText(
      `servers:\n  fx:\n    replicas:\n      - url: http://127.0.0.1:${portA}/mcp\n      - url: http://127.0.0.1:${portB}/mcp\n    health: { intervalMs: 400, timeoutMs: 400, healthyThreshold: 1, unhealthyThreshold: 2 }\n`,
      'routing.yaml',
      { env: {} },
    );
    const targets = probeTargets(config.servers, () => undefined, { cancel: () => undefined });
    expect(targets.map((t) => t.replica)).toEqual([`http://127.0.0.1:${portA}/mcp`, `http://127.0.0.1:${portB}/mcp`]);
    const prober = new HealthProber(primary, logger);
    const view = new HealthView(worker);
    cleanups.push(() => prober.stop(), () => view.close());
    prober.set(targets);
    const [keyA, keyB] = targets.map((t) => replicaKey('fx', t.replica)) as [string, string];

    await until('both healthy', () => view.snapshot(keyA).state === 'healthy' && view.snapshot(keyB).state === 'healthy');
    a.child.kill('SIGKILL');
    await a.exited;
    await until('A unhealthy', () => !view.admits(keyA));
    expect(view.admits(keyB)).toBe(true);
    a = await replica('A', portA);
    await until('A back', () => view.admits(keyA));
    // A worker that starts now reads the same state from the store.
    const late = new HealthView(worker);
    await late.load([keyA, keyB]);
    expect([late.snapshot(keyA).state, late.snapshot(keyB).state]).toEqual(['healthy', 'healthy']);
    late.close();
    prober.stop();
    await a.stop();
    await b.stop();
  });

  it('fails a replica that accepts connections but never answers, at the probe timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => silent.close(r));
    });
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/mcp`;
    const pinger = httpPingProbe(url, {}, 'auto');
    const prober = new HealthProber(primary, logger);
    const view = new HealthView(worker);
    cleanups.push(() => prober.stop(), () => view.close());
    prober.set([{ server: 'mute', replica: '1', check: check({ unhealthyThreshold: 1 }), probe: pinger.probe, close: pinger.close }]);
    await until('unhealthy', () => view.snapshot(replicaKey('mute', '1')).state === 'unhealthy');
    expect(sockets.size).toBeGreaterThan(0);
    prober.stop();
  });
});

describe('MCP ping to a stdio child through its host', () => {
  it('goes unhealthy while the host cannot restart the killed child, healthy once it can', async () => {
    const dir = tempDir();
    const blocker = path.join(dir, 'down');
    const config = parseConfigText(
      `servers:\n  box:\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(path.join(FIXTURES, 'toolbox-server.js'))}, --exit-if-exists, ${JSON.stringify(blocker)}]\n    health: { intervalMs: 400, timeoutMs: 400, healthyThreshold: 1, unhealthyThreshold: 2 }\n`,
      'box.yaml',
      { env: {} },
    );
    const server = config.servers[0] as StdioServerConfig;
    const calls = new WorkerCalls();
    const host = new StdioHost(server, { workers: () => [], calls, asks: new ClientAsks(), logger });
    cleanups.push(() => host.stop());
    host.start();
    const store = new MemoryStore();
    const view = new HealthView(store);
    const prober = new HealthProber(store, logger);
    cleanups.push(() => prober.stop(), () => view.close(), () => store.close());
    const targets: ProbeTarget[] = probeTargets(config.servers, (name, id) => (name === 'box' && id === '1' ? host : undefined), calls);
    expect(targets).toHaveLength(1);
    prober.set(targets);
    const key = replicaKey('box', '1');

    await until('healthy', () => view.snapshot(key).state === 'healthy');
    fs.writeFileSync(blocker, '');
    const pid = host.status().pid!;
    process.kill(pid, 'SIGKILL');
    await until('unhealthy', () => view.snapshot(key).state === 'unhealthy');
    fs.rmSync(blocker);
    await until('healthy again', () => view.snapshot(key).state === 'healthy');
    expect(host.status().pid).not.toBe(pid);
    expect(await stdioHostPing(host, calls)(new AbortController().signal)).toBeUndefined();
    // The probes' calls leave nothing behind in the primary's call table.
    expect(calls.size).toBe(0);
    prober.stop();
  });
});
