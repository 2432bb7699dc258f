/**
 * The safe default at start (refuse to listen beyond loopback without any
 * authentication unless told to), and createIdentity(): the layer built from
 * one config generation, reporting what an operator must know.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exposureProblem, isLoopbackHost } from '../../src/auth/exposure.js';
import { createIdentity } from '../../src/auth/identity.js';
import { parseConfigText } from '../../src/config/load.js';
import { MemoryStore } from '../../src/state/memory-store.js';

const auth = (yaml: string) => parseConfigText(yaml, 'c.yaml', { env: {} }).auth;
const NONE = auth('servers: {}\n');
const KEYS = auth(`auth:\n  apiKeys: [{ principal: a, hash: "sha256:${'A'.repeat(43)}" }]\n`);
const OPEN = auth('auth:\n  allowUnauthenticated: true\n');

describe('exposure', () => {
  it('knows loopback names and addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'a.localhost', '::1', '[::1]', '::ffff:127.0.0.1'].map(isLoopbackHost)).toEqual(Array(8).fill(true));
    expect(['0.0.0.0', '::', '10.0.0.1', 'mcp.example.com', '128.0.0.1', '::2'].map(isLoopbackHost)).toEqual(Array(6).fill(false));
  });

  it('refuses every interface without authentication unless the flag or the config says so', () => {
    expect(exposureProblem('127.0.0.1', NONE, false)).toBeUndefined();
    expect(exposureProblem('0.0.0.0', NONE, false)).toBe(
      'refusing to listen on 0.0.0.0 without authentication: anyone who reaches it could use every tool. Configure auth (apiKeys or jwt), listen on 127.0.0.1, or accept the risk with --allow-unauthenticated (config: auth.allowUnauthenticated: true)',
    );
    expect(exposureProblem('0.0.0.0', NONE, true)).toBeUndefined();
    expect(exposureProblem('0.0.0.0', OPEN, false)).toBeUndefined();
    expect(exposureProblem('::', KEYS, false)).toBeUndefined();
  });
});

describe('createIdentity', () => {
  it('builds every part from the config, warns when the JWKS is unreachable, and closes the audit log', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o1m-identity-'));
    const cfg = parseConfigText(
      'auth:\n  jwt:\n    jwksUrl: http://127.0.0.1:1/jwks.json\n    issuer: i\n    audience: a\n  audit:\n    file: audit.jsonl\n',
      path.join(dir, 'config.yaml'),
      { env: {} },
    ).auth;
    const warnings: string[] = [];
    const identity = createIdentity(cfg, { store: new MemoryStore(), localShare: 0.5, warn: (m) => warnings.push(m) });
    expect(await identity.warm()).toBe(false);
    expect(warnings).toEqual(['the JWKS at http://127.0.0.1:1/jwks.json could not be fetched: tokens are refused with 503 until it can']);
    identity.audit?.record({ principal: undefined, method: 'POST /mcp', outcome: 'unauthenticated' });
    await identity.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'audit.jsonl'), 'utf8'))).toMatchObject({ outcome: 'unauthenticated', principal: null });
    expect(createIdentity(NONE, { store: new MemoryStore(), localShare: 1, warn: () => undefined }).audit).toBeUndefined();
  });
});
