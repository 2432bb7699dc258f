/**
 * One line of the screen: a Text that never wraps. Every view is built from
 * these, cut to the terminal's width by text.ts and truncated again by ink
 * (which measures wide characters), so an 80-column terminal shows no
 * wrapped fragments whatever the gateway sends.
 */
import { createElement as h, type ReactElement } from 'react';
import { Text, type TextProps } from 'ink';
import type { Snapshot } from './poll-store.js';
import type { UiState } from './keys.js';

export type LineStyle = Omit<TextProps, 'wrap' | 'children'>;

export function line(key: string | number, text: string, style: LineStyle = {}): ReactElement {
  return h(Text, { key, wrap: 'truncate-end', ...style }, text === '' ? ' ' : text);
}

/** The props every tab gets: the data, the TUI's state, and the space it may fill. */
export interface TabProps {
  snap: Snapshot;
  ui: UiState;
  width: number;
  /** Lines available to the tab's body. */
  height: number;
}

/** A colour for a server state or health word. */
export function stateColor(word: string): LineStyle['color'] {
  if (/^(ready|healthy|ok|up)$/i.test(word)) return 'green';
  if (/^(starting|connecting|degraded|draining|restarting|unknown)$/i.test(word)) return 'yellow';
  if (word === '' || /^disabled$/i.test(word)) return undefined;
  return 'red';
}
