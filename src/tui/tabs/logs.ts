/** Logs: the tail of the gateway's log, newest at the bottom, coloured by level. */
import { createElement as h, type ReactElement } from 'react';
import { line, type LineStyle, type TabProps } from '../line.js';
import { LiveListBody } from './live-list.js';
import { clock, row, type Column } from '../text.js';
import type { LogLine } from '../admin-api.js';

const COLUMNS: Column[] = [{ width: 8 }, { width: 5 }, { width: 0 }];

const LEVEL_STYLE: Readonly<Record<string, LineStyle>> = {
  trace: { dimColor: true },
  debug: { dimColor: true },
  warn: { color: 'yellow' },
  error: { color: 'red' },
  fatal: { color: 'red', bold: true },
};

export function LogsTab({ snap, ui, width, height }: TabProps): ReactElement {
  if (snap.logs.length === 0 && snap.problems.some((p) => p.startsWith('logs/'))) return line('none', 'the gateway did not give its log (see the status line)', { dimColor: true });
  return h(LiveListBody<LogLine>, {
    list: 'logs',
    entries: snap.logs,
    ui,
    height,
    header: row(COLUMNS, ['TIME', 'LEVEL', 'MESSAGE'], width),
    text: (l) => `${l.level} ${l.msg}`,
    render: (l) => ({
      text: row(COLUMNS, [clock(l.time), l.level, `${l.worker !== '' ? `[${l.worker}] ` : ''}${l.msg.replace(/\s+/g, ' ')}`], width),
      style: Object.hasOwn(LEVEL_STYLE, l.level) ? LEVEL_STYLE[l.level] : undefined,
    }),
  });
}
