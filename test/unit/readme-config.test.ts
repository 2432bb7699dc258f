/**
 * The configuration README.md shows is one the loader accepts: a reader who
 * copies it gets a running gateway, not a validation error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';

const README = path.resolve(import.meta.dirname, '../../README.md');

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
