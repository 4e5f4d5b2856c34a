import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real servers and processes; two cores, so keep the fan-out small.
    maxWorkers: 2,
  },
});
