import { defineConfig } from 'vitest/config';

// Integration tests start real processes (gateways, backends, redis-server) on
// free ports; they run in forked workers so that a crash in one file cannot
// take the others down.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
