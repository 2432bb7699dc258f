// Drives a legacy HTTP+SSE MCP endpoint (2024-11-05 transport), which
// autocannon cannot: the answer to a POST arrives on a separate event
// stream. Each of `connections` virtual clients opens its own stream, posts
// initialize, then loops: POST a request to the announced endpoint, wait for
// the message with that id on its stream, record the time, repeat. Closed
// loop, like autocannon, so figures compare.
import http from 'node:http';

/** A call that has not been answered after this long counts as a timeout. */
const CALL_TIMEOUT_MS = 10_000;

class SseSession {
  constructor(base, ssePath, agent) {
    this.base = base;
    this.ssePath = ssePath;
    this.agent = agent;
    this.waiting = new Map();
    this.nextId = 1;
  }

  open() {
    return new Promise((resolve, reject) => {
      const req = http.get(new URL(this.ssePath, this.base), { headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${this.ssePath}: HTTP ${res.statusCode}`));
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (text) => {
          buffer += text;
          let end;
          while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + (buffer[end] === '\r' ? 4 : 2));
            this.onEvent(block, resolve);
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', reject);
      this.request = req;
    });
  }

  onEvent(block, resolveOpen) {
    let event = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (event === 'endpoint') {
      this.endpoint = new URL(data.join('\n'), this.base);
      resolveOpen();
      return;
    }
    if (data.length === 0) return;
    let message;
    try {
      message = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    const done = this.waiting.get(message.id);
    if (done) {
      this.waiting.delete(message.id);
      done(message);
    }
  }

  post(message) {
    return new Promise((resolve, reject) => {
      const body = JSON.stringify(message);
      const req = http.request(this.endpoint, { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode >= 200 && res.statusCode < 300 ? resolve() : reject(new Error(`POST: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Posts a request and resolves with its answer from the stream. */
  call(method, params) {
    const id = this.nextId++;
    const answered = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('timeout'));
      }, CALL_TIMEOUT_MS);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    return Promise.all([answered, this.post({ jsonrpc: '2.0', id, method, params })]).then(([m]) => m);
  }

  notify(method) {
    return this.post({ jsonrpc: '2.0', method });
  }

  close() {
    this.request?.destroy();
  }
}

async function openSessions(opts, agent) {
  const sessions = [];
  for (let i = 0; i < opts.connections; i++) {
    const s = new SseSession(opts.base, opts.ssePath, agent);
    await s.open();
    const init = await s.call('initialize', { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
    if (init.error) throw new Error(`initialize refused: ${JSON.stringify(init.error)}`);
    await s.notify('notifications/initialized');
    sessions.push(s);
  }
  return sessions;
}

async function loop(sessions, opts, untilMs, counts, histogram) {
  await Promise.all(
    sessions.map(async (s) => {
      while (Date.now() < untilMs) {
        const t0 = performance.now();
        try {
          const m = await s.call(opts.method, opts.params);
          if (m.error || !JSON.stringify(m.result).includes(opts.contains ?? '')) {
            counts.mismatches++;
            counts.sample ??= `unexpected answer: ${JSON.stringify(m).slice(0, 300)}`;
          } else {
            counts.ok++;
            histogram?.recordMs(performance.now() - t0);
          }
        } catch (err) {
          if (String(err).includes('timeout')) counts.timeouts++;
          else counts.errors++;
          counts.sample ??= String(err);
        }
      }
    }),
  );
}

export async function driveSse(opts, histogram, phase) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const sessions = await openSessions(opts, agent);
  try {
    if (opts.warmupS > 0) await loop(sessions, opts, Date.now() + opts.warmupS * 1000, { ok: 0, mismatches: 0, errors: 0, timeouts: 0 }, undefined);
    phase('measure');
    const counts = { ok: 0, non2xx: 0, mismatches: 0, errors: 0, timeouts: 0, sample: undefined };
    const t0 = performance.now();
    await loop(sessions, opts, Date.now() + opts.durationS * 1000, counts, histogram);
    counts.durationS = (performance.now() - t0) / 1000;
    phase('done');
    return counts;
  } finally {
    for (const s of sessions) s.close();
    agent.destroy();
  }
}
