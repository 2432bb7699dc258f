// Scenario 10 — what tracing costs (issue 14): tools/call through the
// gateway to the HTTP fixture, one pinned worker, 2025 session form, as in
// scenario 2, in three states:
//   - off: no OTEL_* set, and the client sends no trace context — the path
//     every deployment without tracing takes (the requirement: at most 3%
//     below the same gateway without any tracing code; that comparison
//     needs the build before the change, see docs/architecture.md);
//   - off, the client sends `traceparent`/`tracestate`: validated and passed
//     to the backend as it came (`_meta` and headers), no spans;
//   - on: OTEL_EXPORTER_OTLP_ENDPOINT set, every request sampled (the
//     client's traceparent says sampled; parentbased_always_on): three spans
//     per call (request, route, backend attempt), batched and exported over
//     OTLP/HTTP JSON to a sink on the backend core that only counts;
//   - on with a tenth of the calls sampled (traceidratio 0.1), as a busy
//     deployment would run it.
import { startHttpFixture, startOtlpSink } from '../lib/fixtures.mjs';
import { startGateway } from '../lib/gateway.mjs';
import { runCells } from '../lib/cell.mjs';
import { legacyCall, openSession } from '../lib/mcp-client.mjs';
import { BACKEND_CPUS, SUT_CPUS } from '../lib/layout.mjs';
import { workerCpuPerRequestUs } from '../lib/targets.mjs';

export const title = 'tracing: off, client context passed through, and on (OTLP/HTTP export)';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const NO_OTEL = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' };

async function rows(ctx, fixture, { state, env, clientTrace, levels }) {
  const gateway = await startGateway({ servers: { fx: { url: fixture.url } }, workers: 1, redis: 'memory', cpus: SUT_CPUS, env });
  try {
    const call = legacyCall(await openSession(gateway.url), 'fx__echo');
    const headers = clientTrace ? { ...call.headers, traceparent: TRACEPARENT, tracestate: 'bench=1' } : call.headers;
    const processes = [...gateway.processes(), { role: 'backend', pid: fixture.pid }];
    return await runCells(ctx, { system: 'only1mcp 1 worker', via: `tracing ${state}`, job: { driver: 'http', url: gateway.url, headers, body: call.body, contains: '"text":"ok"' }, processes, extra: { tracing: state, clientTrace } }, levels);
  } finally {
    await gateway.stop();
  }
}

export async function run(ctx) {
  const fixture = await startHttpFixture({ cpus: BACKEND_CPUS });
  const sink = await startOtlpSink({ cpus: BACKEND_CPUS });
  try {
    const levels = ctx.settings.quick ? [100] : [10, 100];
    const out = [];
    out.push(...(await rows(ctx, fixture, { state: 'off', env: NO_OTEL, clientTrace: false, levels })));
    out.push(...(await rows(ctx, fixture, { state: 'off, client traceparent passed through', env: NO_OTEL, clientTrace: true, levels })));
    const before = await sink.stats();
    out.push(
      ...(await rows(ctx, fixture, {
        state: 'on, every call sampled, OTLP/HTTP export',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_TRACES_SAMPLER: 'parentbased_always_on', OTEL_SERVICE_NAME: 'only1mcp-bench' },
        clientTrace: true,
        levels,
      })),
    );
    // What an operator would run: a tenth of the calls sampled, chosen by trace id (clients sending no context).
    out.push(
      ...(await rows(ctx, fixture, {
        state: 'on, 10% sampled (traceidratio), OTLP/HTTP export',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1', OTEL_SERVICE_NAME: 'only1mcp-bench' },
        clientTrace: false,
        levels,
      })),
    );
    const after = await sink.stats();
    const exported = { requests: after.requests - before.requests, bytes: after.bytes - before.bytes };
    ctx.log(`  OTLP sink received ${exported.requests} export requests, ${Math.round(exported.bytes / 1024)} KB`);
    // Throughput moves with whatever else the machine runs; the worker's CPU per call is the steadier figure.
    const facts = out.filter((r) => r.concurrency === 100 && r.rps).map((r) => `${r.tracing}: ${r.rps} req/s, worker CPU ${Math.round(workerCpuPerRequestUs(r))} µs per call`);
    const off = out.find((r) => r.tracing === 'off' && r.concurrency === 100);
    const on = out.find((r) => r.tracing.startsWith('on, every') && r.concurrency === 100);
    if (off?.rps && on?.rps) facts.push(`tracing on, every call sampled: ${(100 * (workerCpuPerRequestUs(on) / workerCpuPerRequestUs(off) - 1)).toFixed(0)}% more worker CPU per call than off, throughput ${(100 * (on.rps / off.rps - 1)).toFixed(1)}% (same run); ${exported.requests} OTLP exports, ${Math.round(exported.bytes / 1024)} KB`);
    for (const f of facts) ctx.log(`  ${f}`);
    return { title, rows: out, exported, facts };
  } finally {
    await sink.stop();
    await fixture.stop();
  }
}
