// Scenario 10 — what the identity layer costs on the tools/call path (issue
// 12): the same 2025-session calls to the stdio fixture through one worker,
// without auth and with a JWT (RS256, verified once and then cached per
// token), RBAC (a role granting the fixture's tools by glob) and a rate limit
// large enough never to refuse (so every call takes its bucket's tokens:
// leased in batches from the store, as a busy principal's are). The target is
// ≤10% throughput cost.
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { startGateway, stdioFixture } from '../lib/gateway.mjs';
import { runCells } from '../lib/cell.mjs';
import { legacyCall, openSession } from '../lib/mcp-client.mjs';
import { BACKEND_CPUS, SUT_CPUS } from '../lib/layout.mjs';
import { pin } from '../lib/proc.mjs';

export const title = 'tools/call with JWT authentication, RBAC and a rate limit, against none';

const ISSUER = 'https://idp.bench.example';
const AUDIENCE = 'only1mcp-bench';

async function identity() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const token = await new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject('bench-user')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
  const auth = {
    jwt: { publicKey: await exportSPKI(publicKey), algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE, principalClaim: 'sub', rolesClaim: 'roles' },
    roles: { user: { tools: ['fx__*'] } },
    rateLimits: [{ name: 'bench-calls', roles: ['user'], methods: ['tools/call'], per: 'principal', limit: 1_000_000, windowSeconds: 1 }],
  };
  return { auth, authorization: `Bearer ${token}` };
}

async function cells(ctx, { label, extra, headers }) {
  const gateway = await startGateway({ servers: { fx: stdioFixture('fx') }, workers: 1, redis: 'embedded', cpus: SUT_CPUS, extra });
  try {
    const processes = gateway.processes();
    for (const p of processes) if (p.role === 'backend') pin(p.pid, BACKEND_CPUS);
    const session = await openSession(gateway.url, undefined, headers);
    const call = legacyCall({ ...session, ...headers }, 'fx__echo');
    const job = { driver: 'http', url: gateway.url, headers: call.headers, body: call.body, contains: '"text":"ok"' };
    return await runCells(ctx, { system: `only1mcp 1 worker, ${label}`, via: 'stdio fixture, 2025 session', job, processes, extra: { auth: label } }, ctx.settings.secondary);
  } finally {
    await gateway.stop();
  }
}

export async function run(ctx) {
  const { auth, authorization } = await identity();
  const rows = [];
  // Alternating, so a drift of the machine's speed does not land on one side.
  for (let round = 0; round < (ctx.settings.quick ? 1 : 2); round++) {
    rows.push(...(await cells(ctx, { label: 'no auth', extra: {}, headers: {} })));
    rows.push(...(await cells(ctx, { label: 'JWT + RBAC + rate limit', extra: { auth }, headers: { authorization } })));
  }
  const mean = (label) => {
    const r = rows.filter((x) => x.auth === label && x.concurrency === 100 && x.rps);
    return r.reduce((s, x) => s + x.rps, 0) / Math.max(1, r.length);
  };
  const ratio = mean('JWT + RBAC + rate limit') / mean('no auth');
  ctx.log(`identity layer at c=100: ${(ratio * 100).toFixed(1)}% of the throughput without auth`);
  return { title, rows, authRatio: Math.round(ratio * 1000) / 1000 };
}
