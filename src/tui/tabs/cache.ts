/** Cache: hits, misses and hit rate of the gateway's list and result caches, with the hit rate over time. */
import { createElement as h, Fragment, type ReactElement } from 'react';
import { line, type TabProps } from '../line.js';
import { sparkline } from '../sparkline.js';
import { compact, fit, percent } from '../text.js';

const LABEL = 13;

export function CacheTab({ snap, width }: TabProps): ReactElement {
  const c = snap.metrics?.cache;
  if (!c) return line('none', snap.everConnected ? 'no cache figures from the gateway yet (see the status line)' : 'waiting for the gateway…', { dimColor: true });
  const lookups = c.hits + c.misses;
  return h(
    Fragment,
    null,
    line('rate', `${fit('Hit rate', LABEL)}${fit(percent(c.hitRate), 8)} ${sparkline(snap.history.hitRate, Math.max(0, width - LABEL - 9), 1)}`, { color: 'cyan' }),
    line('hits', `${fit('Hits', LABEL)}${compact(c.hits)}`),
    line('miss', `${fit('Misses', LABEL)}${compact(c.misses)}`),
    line('look', `${fit('Lookups', LABEL)}${compact(lookups)}`),
    line('gap', ''),
    line('note', lookups === 0 ? 'No lookups yet: lists (tools/list and the like) are cached once clients ask for them.' : 'The sparkline is the hit rate at each refresh, oldest on the left.', { dimColor: true }),
  );
}
