/** Requests: the gateway's recent calls, newest at the bottom, live. */
import { createElement as h, type ReactElement } from 'react';
import type { TabProps } from '../line.js';
import { LiveListBody } from './live-list.js';
import { clock, ms, row, type Column } from '../text.js';
import type { RecentRequest } from '../admin-api.js';

const COLUMNS: Column[] = [{ width: 8 }, { width: 16 }, { width: 0 }, { width: 8, align: 'right' }, { width: 12 }, { width: 3, align: 'right' }];
const HEAD = ['TIME', 'METHOD', 'TARGET', 'LATENCY', 'OUTCOME', 'W'];

const outcomeOf = (r: RecentRequest): string => (r.code ? `${r.outcome} ${r.code}` : r.outcome);

export function RequestsTab({ snap, ui, width, height }: TabProps): ReactElement {
  return h(LiveListBody<RecentRequest>, {
    list: 'requests',
    entries: snap.requests,
    ui,
    height,
    header: row(COLUMNS, HEAD, width),
    text: (r) => `${r.method} ${r.target} ${outcomeOf(r)} ${r.principal}`,
    render: (r) => ({
      text: row(COLUMNS, [clock(r.time), r.method, r.target || '-', ms(r.latencyMs), outcomeOf(r), String(r.worker)], width),
      style: { color: /^(ok|success)$/i.test(r.outcome) ? undefined : 'red' },
    }),
  });
}
