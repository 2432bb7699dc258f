/**
 * What README.md tells a reader to run is what runs: the configuration it
 * shows is one the loader accepts, and its test command is the one CI runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';

const README = path.resolve(import.meta.dirname, '../../README.md');
const CI_RUN = path.resolve(import.meta.dirname, '../../.ci/run');

describe('README configuration', () => {
  it('validates as written', () => {
    const text = readFileSync(README, 'utf8');
    const block = /```yaml\n(listen:[\s\S]*?)```/.exec(text)?.[1];
    expect(block, 'README.md has a yaml block starting with listen:').toBeDefined();
    const config = parseConfigText(block!, 'README.md', { env: { GITHUB_TOKEN: 't', DOCS_TOKEN: 'd' } });
    expect(config.servers.map((s) => s.name)).toEqual(['github', 'docs']);
    expect(config.context.overrides).toEqual([{ client: 'Claude*', principal: undefined, mode: 'search' }]);
  });
});

describe('README server examples', () => {
  it('validate as written (isolation, replicas)', () => {
    const blocks = [...readFileSync(README, 'utf8').matchAll(/```yaml\n(servers:[\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) expect(() => parseConfigText(block, 'README.md', { env: {} }), block).not.toThrow();
    const replicated = parseConfigText(blocks.find((b) => b.includes('replicas:'))!, 'README.md', { env: {} }).servers[0]!;
    expect(replicated.replicas.map((r) => r.weight)).toEqual([1, 2]);
  });
});

describe('README test command', () => {
  it('is the command .ci/run runs, on a line of its own', () => {
    const setup = /## Set up, run, test[\s\S]*?```sh\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))?.[1];
    const command = setup?.split('\n').find((line) => /\bnpm test\b/.test(line))?.replace(/\s+#.*$/, '').trim();
    expect(command, 'README.md names a test command in its set-up block').toBe('npm ci && npm test');
    const ciLines = readFileSync(CI_RUN, 'utf8').split('\n').map((line) => line.trim());
    expect(ciLines).toContain(command);
    // Nothing else in .ci/run installs the project or runs tests: the README command is the whole of it.
    expect(ciLines.filter((line) => /^npm\b/.test(line))).toEqual([command]);
  });
});
