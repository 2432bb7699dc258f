/**
 * The keyboard: what each key does to the TUI's own state (tab, selection,
 * filters, pause, a pending confirmation) and which effect it asks for (quit,
 * refresh, an action on a server). A pure function of the state and the key,
 * so every binding is tested without a terminal; app.ts runs the effects.
 *
 *   Tab / Shift-Tab, ←/→, 1–5   switch tabs
 *   ↑/↓                         select a server; scroll requests and logs
 *   /                           filter requests or logs (Enter keeps, Esc clears)
 *   r                           Servers: restart the selected server; elsewhere: refresh now
 *   d / e                       Servers: disable / enable the selected server
 *   p                           Requests, Logs: pause / resume
 *   q, Ctrl-C                   quit
 */
import type { ServerAction } from './admin-api.js';
import { TUI_MAX_FILTER_CHARS } from './defaults.js';

export const TABS = ['Overview', 'Servers', 'Requests', 'Cache', 'Logs'] as const;
export type TabName = (typeof TABS)[number];

/** The subset of ink's Key the bindings read. */
export interface KeyPress {
  input: string;
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  return?: boolean;
  escape?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

export type LiveList = 'requests' | 'logs';

export interface UiState {
  tab: TabName;
  /** Index of the selected server in the gateway's list. */
  selected: number;
  /** Lines scrolled back from the newest, per live list. */
  scroll: Readonly<Record<LiveList, number>>;
  filter: Readonly<Record<LiveList, string>>;
  /** Typing a filter for this list (keys go to the filter, not to the bindings). */
  editing: LiveList | undefined;
  /** Paused lists show entries up to this seq only. */
  pausedAt: Readonly<Record<LiveList, number | undefined>>;
  /** An action waiting for y/N. */
  confirm: { server: string; action: ServerAction } | undefined;
  /** The last outcome or hint, shown above the status line. */
  message: string;
}

export const INITIAL_UI: UiState = {
  tab: 'Overview',
  selected: 0,
  scroll: { requests: 0, logs: 0 },
  filter: { requests: '', logs: '' },
  editing: undefined,
  pausedAt: { requests: undefined, logs: undefined },
  confirm: undefined,
  message: '',
};

export type Effect = { kind: 'quit' } | { kind: 'refresh' } | { kind: 'act'; server: string; action: ServerAction };

/** What the bindings need to know about the data on screen. */
export interface KeyContext {
  servers: readonly string[];
  /** The newest seq of each live list, where a pause starts. */
  newest: Readonly<Record<LiveList, number>>;
}

const ACTION_KEYS: Readonly<Record<string, ServerAction>> = { r: 'restart', d: 'disable', e: 'enable' };

export function liveList(tab: TabName): LiveList | undefined {
  return tab === 'Requests' ? 'requests' : tab === 'Logs' ? 'logs' : undefined;
}

export function onKey(state: UiState, key: KeyPress, ctx: KeyContext): { state: UiState; effect?: Effect } {
  if (key.ctrl && key.input === 'c') return { state, effect: { kind: 'quit' } };
  if (state.confirm) return confirming(state, key);
  if (state.editing) return { state: editFilter(state, state.editing, key) };

  const list = liveList(state.tab);
  const at = TABS.indexOf(state.tab);
  if (key.tab || key.rightArrow || key.leftArrow) {
    const step = (key.tab && key.shift) || key.leftArrow ? -1 : 1;
    return { state: { ...state, tab: TABS[(at + step + TABS.length) % TABS.length]!, message: '' } };
  }
  if (/^[1-5]$/.test(key.input)) return { state: { ...state, tab: TABS[Number(key.input) - 1]!, message: '' } };
  if (key.input === 'q') return { state, effect: { kind: 'quit' } };

  if (key.upArrow || key.downArrow || key.pageUp || key.pageDown) {
    const step = (key.pageUp || key.pageDown ? 10 : 1) * (key.upArrow || key.pageUp ? -1 : 1);
    if (state.tab === 'Servers') {
      const last = Math.max(0, ctx.servers.length - 1);
      return { state: { ...state, selected: Math.min(last, Math.max(0, Math.min(state.selected, last) + step)) } };
    }
    // Up scrolls back in time: away from the newest line.
    if (list) return { state: { ...state, scroll: { ...state.scroll, [list]: Math.max(0, state.scroll[list] - step) } } };
    return { state };
  }

  if (state.tab === 'Servers' && Object.hasOwn(ACTION_KEYS, key.input)) {
    const server = ctx.servers[Math.min(state.selected, ctx.servers.length - 1)];
    if (server === undefined) return { state: { ...state, message: 'no server to act on' } };
    const action = ACTION_KEYS[key.input]!;
    return { state: { ...state, confirm: { server, action }, message: '' } };
  }
  if (key.input === 'r') return { state: { ...state, message: 'refreshing…' }, effect: { kind: 'refresh' } };

  if (list && key.input === '/') return { state: { ...state, editing: list, message: '' } };
  if (list && key.input === 'p') {
    const paused = state.pausedAt[list] === undefined ? ctx.newest[list] : undefined;
    return { state: { ...state, pausedAt: { ...state.pausedAt, [list]: paused }, message: paused === undefined ? `${list} resumed` : `${list} paused (p resumes)` } };
  }
  if (key.escape && list && state.filter[list] !== '') return { state: { ...state, filter: { ...state.filter, [list]: '' }, message: 'filter cleared' } };
  return { state };
}

/** The question a pending action asks. */
export function confirmQuestion(confirm: NonNullable<UiState['confirm']>): string {
  const verb = confirm.action[0]!.toUpperCase() + confirm.action.slice(1);
  return `${verb} server ${confirm.server}? [y/N]`;
}

function confirming(state: UiState, key: KeyPress): { state: UiState; effect?: Effect } {
  const confirm = state.confirm!;
  if (key.input === 'y' || key.input === 'Y') {
    return { state: { ...state, confirm: undefined, message: `${confirm.action} ${confirm.server}: sent…` }, effect: { kind: 'act', ...confirm } };
  }
  return { state: { ...state, confirm: undefined, message: `${confirm.action} ${confirm.server}: cancelled` } };
}

function editFilter(state: UiState, list: LiveList, key: KeyPress): UiState {
  const text = state.filter[list];
  if (key.return) return { ...state, editing: undefined };
  if (key.escape) return { ...state, editing: undefined, filter: { ...state.filter, [list]: '' } };
  if (key.backspace || key.delete) return { ...state, filter: { ...state.filter, [list]: [...text].slice(0, -1).join('') } };
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return state;
  // Pasted text arrives as one input; control characters are not part of a filter.
  const typed = key.input.replace(/[\u0000-\u001f\u007f]/g, '');
  if (typed === '') return state;
  return { ...state, filter: { ...state.filter, [list]: [...(text + typed)].slice(0, TUI_MAX_FILTER_CHARS).join('') } };
}

/**
 * Keys typed faster than a read (a paste, a script, tmux send-keys) arrive as
 * one chunk of text: each character is its own key press, as if typed.
 */
export function presses(input: string, key: Omit<KeyPress, 'input'>): KeyPress[] {
  const special = Object.entries(key).some(([name, on]) => on === true && name !== 'shift');
  const chars = [...input];
  return special || chars.length <= 1 ? [{ ...key, input }] : chars.map((ch) => CHUNK_KEYS[ch] ?? { input: ch });
}

/** Keys that a chunk of text can hold besides characters. */
const CHUNK_KEYS: Readonly<Record<string, KeyPress>> = {
  '\r': { input: '', return: true },
  '\n': { input: '', return: true },
  '\t': { input: '', tab: true },
  '\u007f': { input: '', backspace: true },
  '\b': { input: '', backspace: true },
};

/** Entries of a live list as its state shows them: up to the pause, matching the filter (case-insensitive). */
export function visible<T extends { seq: number }>(entries: readonly T[], state: UiState, list: LiveList, text: (entry: T) => string): T[] {
  const until = state.pausedAt[list];
  const needle = state.filter[list].toLowerCase();
  return entries.filter((e) => (until === undefined || e.seq <= until) && (needle === '' || text(e).toLowerCase().includes(needle)));
}
