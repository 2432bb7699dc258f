// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went, as
// percentages of the samples taken while the process was not idle: self
// time per function; per area of code (the gateway's folders, uWS,
// node internals, GC); and per gateway function, charging library and
// runtime time to the nearest gateway frame that called it.
import fs from 'node:fs';

/** Functions listed in a summary. */
const TOP_FUNCTIONS = 25;

/** Named costs the docs discuss, matched on "<function> <url>" of a sample's own frame. */
const GROUPS = [
  ['AbortController / AbortSignal creation and abort listeners', (k) => k.includes('node:internal/abort_controller') || k.includes('node:internal/event_target')],
  ['socket writes (uWS cork+end in Reply.finish; the backend client\'s socket write)', (k) => k.startsWith('writev ') || k.startsWith('writeUtf8String ') || (k.startsWith('finish ') && k.includes('/dist/src/worker/http/reply.js'))],
  ['HTTP client to the backend (src/backends/http/h1/, JS)', (k) => k.includes('/dist/src/backends/http/h1/')],
  ['prom-client (metrics per request)', (k) => k.includes('/node_modules/prom-client/')],
  ['promise/microtask machinery', (k) => k.startsWith('runMicrotasks ') || k.includes('node:internal/process/task_queues')],
  ['garbage collection', (k) => k.startsWith('(garbage collector)')],
];

function area(url, name) {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'native / uWS / V8 (program)';
  if (url.includes('/dist/src/')) return `gateway ${url.slice(url.indexOf('/dist/src/') + 10).split('/')[0]}/`;
  if (url.includes('/node_modules/uWebSockets.js') || url.includes('uws-js-unofficial')) return 'uWS (JS side)';
  if (url.includes('/node_modules/')) return `node_modules/${url.split('/node_modules/').pop().split('/')[0]}`;
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return name.startsWith('(') ? name : 'native builtins (JSON, crypto, Buffer)';
  return 'other';
}

const isGateway = (url) => url.includes('/dist/src/');
const frameName = (cf) => `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*\/dist\/src\//, 'src/').replace(/\.js$/, '.ts')}`;

/** window: { startUs, endUs } on CLOCK_MONOTONIC; samples outside it (start-up, drain) are left out. */
export function summariseProfile(file, window) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  /** The nearest gateway function on the stack: library and runtime time is charged to the gateway code that caused it. */
  const owner = (id) => {
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const cf = byId.get(at).callFrame;
      if (isGateway(cf.url)) return frameName(cf);
    }
    return '(no gateway frame: event loop, uWS callbacks, GC, timers)';
  };
  const owners = new Map();
  const counts = new Map();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    if (window && (at < window.startUs || at > window.endUs)) return;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  const fns = new Map();
  const areas = new Map();
  const groups = new Map(GROUPS.map(([name]) => [name, 0]));
  let busy = 0;
  let idle = 0;
  for (const [id, count] of counts) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || '(anonymous)';
    const where = area(callFrame.url, name);
    if (where === 'idle') {
      idle += count;
      continue;
    }
    busy += count;
    const who = owner(id);
    owners.set(who, (owners.get(who) ?? 0) + count);
    const short = callFrame.url.replace(/^.*\/(dist\/src|node_modules)\//, '$1/').replace(/^file:\/\//, '');
    const key = `${name} ${short}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + count);
    const full = `${name} ${callFrame.url}`;
    for (const [group, match] of GROUPS) if (match(full)) groups.set(group, groups.get(group) + count);
    areas.set(where, (areas.get(where) ?? 0) + count);
  }
  const pct = (n) => Math.round((n / busy) * 1000) / 10;
  return {
    samples: busy + idle,
    busyPercent: Math.round((busy / Math.max(1, busy + idle)) * 1000) / 10,
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([name, n]) => ({ area: name, percent: pct(n) })),
    groups: [...groups].map(([group, n]) => ({ group, percent: pct(n) })),
    byGatewayFunction: [...owners].sort((a, b) => b[1] - a[1]).slice(0, TOP_FUNCTIONS).map(([fn, n]) => ({ function: fn, percent: pct(n) })),
    functions: [...fns].sort((a, b) => b[1] - a[1]).slice(0, TOP_FUNCTIONS).map(([fn, n]) => ({ function: fn, selfPercent: pct(n) })),
  };
}
