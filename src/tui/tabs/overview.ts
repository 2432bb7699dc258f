/** Overview: traffic (req/s with a sparkline), latency, errors, sessions, cache, servers, and the gateway itself. */
import { createElement as h, Fragment, type ReactElement } from 'react';
import { line, stateColor, type TabProps } from '../line.js';
import { sparkline } from '../sparkline.js';
import { compact, duration, fit, ms, percent } from '../text.js';

const LABEL = 13;

export function OverviewTab({ snap, width }: TabProps): ReactElement {
  const m = snap.metrics;
  const label = (text: string) => fit(text, LABEL);
  const graph = Math.max(0, width - LABEL - 22);
  const servers = snap.servers;
  const count = (pred: (s: (typeof servers)[number]) => boolean) => servers.filter(pred).length;
  const disabled = count((s) => s.disabled);
  const ready = count((s) => !s.disabled && s.state === 'ready');
  const notReady = servers.filter((s) => !s.disabled && s.state !== 'ready').map((s) => s.name);
  const failing = notReady.length;
  const sys = snap.system;
  const rows: ReactElement[] = [];
  if (!m) rows.push(line('none', snap.everConnected ? 'no metrics from the gateway yet (see the status line)' : 'waiting for the gateway…', { dimColor: true }));
  else {
    const r = m.requests;
    rows.push(
      line('rps', `${label('Requests/s')}${fit(compact(r.perSecond), 8)}${fit(`${compact(r.total)} total`, 13)} ${sparkline(snap.history.perSecond, graph)}`, { color: 'cyan' }),
      line('lat', `${label('Latency')}p50 ${fit(ms(r.p50Ms), 10)} p99 ${ms(r.p99Ms)}`),
      line('err', `${label('Error rate')}${fit(percent(r.errorRate), 8)}${fit(`${compact(r.errors)} errors`, 13)} ${sparkline(snap.history.errorRate, graph)}`, { color: r.errorRate > 0 ? 'red' : undefined }),
      line('ses', `${label('Sessions')}${compact(snap.sessions ?? m.sessions.active)} active`),
      line('cache', `${label('Cache')}hit rate ${percent(m.cache.hitRate)} (${compact(m.cache.hits)} hits, ${compact(m.cache.misses)} misses)`),
    );
  }
  rows.push(
    line('srv', `${label('Servers')}${servers.length} (${ready} ready${failing > 0 ? `, ${failing} not ready: ${notReady.join(', ')}` : ''}${disabled > 0 ? `, ${disabled} disabled` : ''})`, { color: failing > 0 ? 'yellow' : undefined }),
    line('gap', ''),
  );
  if (sys) {
    rows.push(
      line('gw', `${label('Gateway')}only1mcp ${sys.version}, up ${duration(sys.uptimeSeconds)}, ${sys.workers} ${sys.workers === 1 ? 'worker' : 'workers'}${sys.node ? `, node ${sys.node}` : ''}`),
      line('store', `${label('Store')}${sys.store.kind}${sys.store.state ? ` (${sys.store.state})` : ''}`, { color: stateColor(sys.store.state) }),
      line('cfg', `${label('Config')}${sys.config.path || '(built-in default)'}, generation ${sys.config.generation}`),
    );
  }
  return h(Fragment, null, ...rows);
}
