/**
 * The TUI's root component: header, tab bar, the current tab's body, a
 * message line (confirmations, outcomes, key hints) and a status line
 * (connected or "disconnected, retrying"). It reads the PollStore, passes
 * keys to keys.ts and carries out the effects keys.ts asks for.
 */
import { createElement as h, useEffect, useRef, useState, useSyncExternalStore, type ReactElement } from 'react';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { confirmQuestion, INITIAL_UI, onKey, presses, TABS, type Effect, type TabName, type UiState } from './keys.js';
import { line, type TabProps } from './line.js';
import type { PollStore, Snapshot } from './poll-store.js';
import { clock, duration, fit } from './text.js';
import { OverviewTab } from './tabs/overview.js';
import { ServersTab } from './tabs/servers.js';
import { RequestsTab } from './tabs/requests.js';
import { CacheTab } from './tabs/cache.js';
import { LogsTab } from './tabs/logs.js';

const BODIES: Readonly<Record<TabName, (props: TabProps) => ReactElement>> = {
  Overview: OverviewTab,
  Servers: ServersTab,
  Requests: RequestsTab,
  Cache: CacheTab,
  Logs: LogsTab,
};

const HINTS: Readonly<Record<TabName, string>> = {
  Overview: 'Tab/1-5 switch · r refresh · q quit',
  Servers: '↑↓ select · r restart · d disable · e enable · q quit',
  Requests: '/ filter · p pause · ↑↓ scroll · r refresh · q quit',
  Cache: 'Tab/1-5 switch · r refresh · q quit',
  Logs: '/ filter · p pause · ↑↓ scroll · r refresh · q quit',
};

/** Header, tab bar and rule above the body; message and status lines below it. */
const CHROME_LINES = 5;

export interface AppProps {
  store: PollStore;
  /** The gateway's base URL, shown in the header. */
  base: string;
  intervalMs: number;
}

export function App({ store, base, intervalMs }: AppProps): ReactElement {
  const snap = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const uiRef = useRef<UiState>(INITIAL_UI);
  const [ui, setUi] = useState<UiState>(INITIAL_UI);
  const update = (next: (s: UiState) => UiState) => {
    uiRef.current = next(uiRef.current);
    setUi(uiRef.current);
  };

  const run = (effect: Effect | undefined) => {
    if (effect?.kind === 'quit') exit();
    else if (effect?.kind === 'refresh') void store.refresh().then(() => update((s) => (s.message === 'refreshing…' ? { ...s, message: '' } : s)));
    else if (effect?.kind === 'act') void store.act(effect.server, effect.action).then((outcome) => update((s) => ({ ...s, message: outcome })));
  };

  useInput((input, key) => {
    const current = store.getSnapshot();
    const ctx = {
      servers: current.servers.map((s) => s.name),
      newest: { requests: current.requests.at(-1)?.seq ?? 0, logs: current.logs.at(-1)?.seq ?? 0 },
    };
    for (const press of presses(input, key)) {
      const result = onKey(uiRef.current, press, ctx);
      update(() => result.state);
      run(result.effect);
    }
  });

  const width = Math.max(20, columns);
  const bodyHeight = Math.max(1, rows - CHROME_LINES);
  return h(
    Box,
    { flexDirection: 'column', width, height: rows },
    line('header', header(snap, base, width), { bold: true }),
    tabBar(ui.tab, width),
    line('rule', '─'.repeat(width), { dimColor: true }),
    h(Box, { flexDirection: 'column', height: bodyHeight, overflow: 'hidden' }, h(BODIES[ui.tab], { snap, ui, width, height: bodyHeight })),
    messageLine(ui, width),
    statusLine(snap, intervalMs, width),
  );
}

function header(snap: Snapshot, base: string, width: number): string {
  const sys = snap.system;
  const parts = [`only1mcp${sys?.version ? ` ${sys.version}` : ''}`, base, sys ? `up ${duration(sys.uptimeSeconds)}` : '', sys ? `${sys.workers} ${sys.workers === 1 ? 'worker' : 'workers'}` : ''];
  return fit(parts.filter(Boolean).join(' · '), width);
}

function tabBar(current: TabName, width: number): ReactElement {
  return h(
    Text,
    { key: 'tabs', wrap: 'truncate-end' },
    ...TABS.map((name, i) => h(Text, { key: name, inverse: name === current, bold: name === current }, ` ${i + 1} ${name} `)),
    ' '.repeat(Math.max(0, width - TABS.reduce((n, t) => n + t.length + 4, 0))),
  );
}

function messageLine(ui: UiState, width: number): ReactElement {
  if (ui.confirm) return line('message', fit(confirmQuestion(ui.confirm), width), { color: 'yellow', bold: true });
  if (ui.message) return line('message', fit(ui.message, width), { color: /failed|refused|HTTP [45]/.test(ui.message) ? 'red' : 'cyan' });
  return line('message', fit(HINTS[ui.tab], width), { dimColor: true });
}

function statusLine(snap: Snapshot, intervalMs: number, width: number): ReactElement {
  if (!snap.connected) {
    const text = snap.unreachable ? `disconnected, retrying every ${intervalMs / 1000} s: ${snap.unreachable}` : 'connecting…';
    return line('status', fit(`● ${text}`, width), { color: snap.unreachable ? 'red' : 'yellow' });
  }
  const problem = snap.problems[0];
  const text = `● connected · updated ${clock(snap.updatedAt ?? 0)}${problem ? ` · ${problem}${snap.problems.length > 1 ? ` (+${snap.problems.length - 1} more)` : ''}` : ''}`;
  return line('status', fit(text, width), { color: problem ? 'yellow' : 'green' });
}

/** The terminal's size, updated when it is resized. */
function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return size;
}
