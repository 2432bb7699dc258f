// The find calls' round trip as the gateway serves it: a separate, minimal
// client process (node:http keep-alive, one call at a time, nothing else in
// its heap) on the session the main bench opened, so that neither the SDK's
// result validation nor the bench's own tokenizer and index (and their GC
// pauses) land in the figures. Reads {url, sessionId, queries, passes} as
// JSON on stdin; writes the latencies (ms) as JSON on stdout.
import http from 'node:http';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (d) => (text += d));
  process.stdin.on('end', () => resolve(text));
}));
const url = new URL(input.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let id = 1;

function find(query) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name: 'only1mcp__find_tools', arguments: { query, limit: 10 } } });
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': input.sessionId, 'mcp-protocol-version': '2025-11-25', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200 || !text.includes('\\"tools\\"')) reject(new Error(`find failed: ${res.statusCode} ${text.slice(0, 200)}`));
          else resolve(ms);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

for (const query of input.queries) await find(query); // warm-up pass
const latencies = [];
for (let pass = 0; pass < input.passes; pass++) for (const query of input.queries) latencies.push(await find(query));
agent.destroy();
process.stdout.write(JSON.stringify(latencies));
