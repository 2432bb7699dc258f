/**
 * The body of a live list (Requests, Logs): a header, then the newest entries
 * that pass the filter and the pause, scrolled back by the arrows; a line
 * above says what the filter and the pause hide.
 */
import { createElement as h, Fragment, type ReactElement } from 'react';
import { line, type LineStyle } from '../line.js';
import { visible, type LiveList, type UiState } from '../keys.js';

export interface LiveListProps<T extends { seq: number }> {
  list: LiveList;
  entries: readonly T[];
  ui: UiState;
  height: number;
  header: string;
  /** The text the filter searches. */
  text: (entry: T) => string;
  render: (entry: T) => { text: string; style?: LineStyle };
}

export function LiveListBody<T extends { seq: number }>(props: LiveListProps<T>): ReactElement {
  const { list, ui, height } = props;
  const shown = visible(props.entries, ui, list, props.text);
  const filter = ui.filter[list];
  const paused = ui.pausedAt[list] !== undefined;
  const editing = ui.editing === list;
  const rows = Math.max(0, height - 2);
  const end = Math.max(0, shown.length - Math.min(ui.scroll[list], Math.max(0, shown.length - rows)));
  const page = shown.slice(Math.max(0, end - rows), end);
  const state = [
    editing ? `filter: ${filter}_  (Enter keeps, Esc clears)` : filter ? `filter: ${filter}  (/ edits, Esc clears)` : '/ filters',
    paused ? 'PAUSED (p resumes)' : 'p pauses',
    `${shown.length} of ${props.entries.length}`,
    end < shown.length ? `${shown.length - end} newer below (↓)` : '',
  ].filter(Boolean);
  return h(
    Fragment,
    null,
    line('state', state.join(' · '), { color: editing || paused ? 'yellow' : undefined, dimColor: !editing && !paused }),
    line('head', props.header, { bold: true }),
    ...page.map((e) => {
      const { text, style } = props.render(e);
      return line(e.seq, text, style);
    }),
  );
}
