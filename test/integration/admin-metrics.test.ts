/**
 * The per-server metrics as a real gateway exports them on /metrics (two
 * workers merged by the primary), and the Grafana dashboard checked against
 * that scrape: it parses, and every metric its queries name is one the
 * gateway serves, and every metric of the gateway's own has a panel.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { adminGet, adminPost, modernCall } from '../helpers/admin.js';
import { waitUntil } from '../helpers/redis.js';
import { ROOT, stopAll } from '../helpers/processes.js';

const CONFIG = [
  'servers:',
  fixtureServer('box', 'toolbox-server.js'),
  fixtureServer('bad', 'failing-server.js'),
  fixtureServer('rep', 'toolbox-server.js', ['--name', 'rep'], '    replicas: 2\n    health:\n      type: ping\n      intervalMs: 300\n      healthyThreshold: 1\n'),
  '',
].join('\n');

let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway(CONFIG, { workers: 2 });
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await stopAll();
});

async function scrape(): Promise<string> {
  return (await fetch(`${gw.base}/metrics`)).text();
}

/** The value of one sample (`name{labels}`), undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('per-server metrics, scraped', () => {
  it('up, restarts, replica connections and health by state', async () => {
    // Up is the minimum over the workers: both must have box ready.
    await waitUntil('box up on both workers and rep\'s replicas judged healthy', async () => {
      const text = await scrape();
      return sample(text, 'only1mcp_backend_up{server="box"}') === 1 && sample(text, 'only1mcp_replica_health_state{server="rep",replica="2",state="healthy"}') === 1 && sample(text, 'only1mcp_replica_health_state{server="rep",replica="1",state="healthy"}') === 1;
    });
    const text = await scrape();
    expect(sample(text, 'only1mcp_backend_up{server="box"}')).toBe(1);
    expect(sample(text, 'only1mcp_backend_up{server="bad"}')).toBe(0);
    expect(sample(text, 'only1mcp_backend_restarts{server="bad"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'only1mcp_backend_restarts{server="box"}')).toBe(0);
    expect(sample(text, 'only1mcp_replica_restarts{server="rep",replica="2"}')).toBe(0);
    expect(sample(text, 'only1mcp_replica_link_up{server="rep",replica="1"}')).toBe(1);
    expect(sample(text, 'only1mcp_replica_link_up{server="rep",replica="2"}')).toBe(1);
    expect(sample(text, 'only1mcp_replica_health_state{server="rep",replica="1",state="unhealthy"}')).toBe(0);
    expect(sample(text, 'only1mcp_backend_disabled{server="box"}')).toBe(0);
  });

  it('calls in flight by server while a slow call runs, 0 after', async () => {
    const slow = modernCall(gw.url, 'box__sleep', { ms: 1500 });
    await waitUntil('the call counted in flight', async () => sample(await scrape(), 'only1mcp_backend_inflight_calls{server="box"}') === 1);
    expect((await slow).body.result).toBeDefined();
    await waitUntil('nothing in flight', async () => sample(await scrape(), 'only1mcp_backend_inflight_calls{server="box"}') === 0);
  });

  it('requests by principal', async () => {
    await modernCall(gw.url, 'box__echo', { message: 'x' });
    let principal = '';
    await waitUntil('the call in the ring', async () => {
      principal = (await adminGet(gw.base, 'requests/recent?limit=1')).body.requests[0]?.principal ?? '';
      return principal !== '';
    });
    expect(sample(await scrape(), `only1mcp_principal_requests_total{principal="${principal}"}`)).toBeGreaterThan(0);
  });

  it('an operator\'s restart of a replicated server restarts, and counts, each replica\'s child', async () => {
    expect((await adminPost(gw.base, 'servers/rep/restart')).status).toBe(202);
    await waitUntil('both replicas counted a restart', async () => {
      const text = await scrape();
      return sample(text, 'only1mcp_replica_restarts{server="rep",replica="1"}') === 1 && sample(text, 'only1mcp_replica_restarts{server="rep",replica="2"}') === 1;
    });
    await waitUntil('rep up again', async () => sample(await scrape(), 'only1mcp_backend_up{server="rep"}') === 1);
  });

  it('a disabled server is down and disabled, then up again when enabled', async () => {
    expect((await adminPost(gw.base, 'servers/box/disable')).status).toBe(202);
    await waitUntil('box disabled in metrics', async () => {
      const text = await scrape();
      return sample(text, 'only1mcp_backend_disabled{server="box"}') === 1 && sample(text, 'only1mcp_backend_up{server="box"}') === 0;
    });
    expect((await adminPost(gw.base, 'servers/box/enable')).status).toBe(202);
    await waitUntil('box up again', async () => sample(await scrape(), 'only1mcp_backend_up{server="box"}') === 1);
  });
});

describe('deploy/grafana/only1mcp-dashboard.json against a real scrape', () => {
  it('parses; every query names metrics the gateway serves; every gateway metric has a panel', async () => {
    const text = await scrape();
    const served = new Set<string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      served.add(m[1]!);
      if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) served.add(m[1]! + suffix);
    }
    expect(served.has('only1mcp_backend_up')).toBe(true);
    const dash = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy', 'grafana', 'only1mcp-dashboard.json'), 'utf8')) as { panels: any[] };
    const panels = dash.panels.filter((p) => p.type !== 'row');
    const used = new Set<string>();
    for (const p of panels) {
      for (const t of p.targets) {
        const names: string[] = t.expr.match(/\bonly1mcp_[A-Za-z0-9_:]+/g) ?? [];
        expect(names.length, `panel "${p.title}"`).toBeGreaterThan(0);
        for (const n of names) {
          expect(served.has(n), `panel "${p.title}": ${n} is not on the gateway's /metrics`).toBe(true);
          used.add(n.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    const own = [...served].filter((n) => !/^only1mcp_(process|nodejs)_/.test(n) && !/_(bucket|sum|count)$/.test(n));
    expect(own.filter((n) => !used.has(n)), 'served metrics without a panel').toEqual([]);
    for (const n of ['only1mcp_backend_up', 'only1mcp_backend_restarts', 'only1mcp_backend_inflight_calls', 'only1mcp_replica_health_state', 'only1mcp_principal_requests_total']) expect(used.has(n), n).toBe(true);
  });
});
