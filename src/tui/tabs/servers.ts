/**
 * Servers: one row per server (state, health, req/s, errors, restarts,
 * tools), the selected one marked; under the table, the selected server's
 * details and the tail of its stderr. r, d, e act on the selection.
 */
import { createElement as h, Fragment, type ReactElement } from 'react';
import { line, stateColor, type TabProps } from '../line.js';
import { compact, row, type Column } from '../text.js';
import type { ServerInfo } from '../admin-api.js';

const COLUMNS: Column[] = [{ width: 1 }, { width: 0 }, { width: 10 }, { width: 9 }, { width: 6, align: 'right' }, { width: 6, align: 'right' }, { width: 8, align: 'right' }, { width: 5, align: 'right' }];
const HEAD = ['', 'SERVER', 'STATE', 'HEALTH', 'REQ/S', 'ERRORS', 'RESTARTS', 'TOOLS'];

/** What the STATE column says: a disabled server is disabled whatever its process does. */
export function stateOf(s: ServerInfo): string {
  return s.disabled ? 'disabled' : s.state || '-';
}

export function ServersTab({ snap, ui, width, height }: TabProps): ReactElement {
  const servers = snap.servers;
  if (servers.length === 0) return line('none', snap.everConnected ? 'no servers configured' : 'waiting for the gateway…', { dimColor: true });
  const selected = Math.min(ui.selected, servers.length - 1);
  // The table takes at most half the body when there is detail to show; it scrolls to keep the selection in view.
  const tableRows = Math.max(1, Math.min(servers.length, height - 1 - Math.min(6, Math.floor(height / 3))));
  const first = Math.min(Math.max(0, selected - tableRows + 1), Math.max(0, servers.length - tableRows));
  const rows: ReactElement[] = [line('head', row(COLUMNS, HEAD, width), { bold: true })];
  servers.slice(first, first + tableRows).forEach((s, i) => {
    const at = first + i;
    const metrics = snap.metrics?.servers[s.name];
    const rate = snap.serverRates[s.name];
    const values = [
      at === selected ? '›' : ' ',
      s.name,
      stateOf(s),
      s.health || '-',
      rate === undefined ? '-' : compact(Number(rate.toFixed(1))),
      compact(metrics?.errors ?? s.requests.errors),
      compact(s.restarts),
      compact(s.tools),
    ];
    rows.push(line(s.name, row(COLUMNS, values, width), { inverse: at === selected, color: at === selected ? undefined : stateColor(stateOf(s)) }));
  });
  const s = servers[selected]!;
  const room = height - rows.length - 1;
  if (room > 0) {
    rows.push(line('gap', ''));
    const disabled = s.disabled ? `, disabled ${s.disabledBy === 'config' ? 'in the config file (e cannot undo that)' : s.disabledBy === 'admin' ? 'by an admin (e enables)' : ''}`.trimEnd() : '';
    rows.push(line('about', `${s.name}: ${s.type || '?'}${s.era ? `, ${s.era}` : ''}${s.replicas > 1 ? `, ${s.replicas} replicas` : ''}, ${compact(s.requests.inflight)} in flight${disabled}`));
    if (s.lastError && room > 1) rows.push(line('error', `last error: ${s.lastError.replace(/\s+/g, ' ')}`, { color: 'red' }));
    // The newest stderr lines are the ones that say why it stopped.
    const left = height - rows.length;
    const tail = left > 0 ? s.stderr.slice(-left) : [];
    tail.forEach((text, i) => rows.push(line(`e${i}`, `| ${text}`, { dimColor: true })));
  }
  return h(Fragment, null, ...rows);
}
