import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // Integration tests start real servers and processes; two cores, so keep the fan-out small.
    maxWorkers: 2,
    fileParallelism: true,
    // bb's own logs stay quiet in tests unless BB_LOG_LEVEL asks for them.
    env: { BB_LOG_LEVEL: process.env.BB_LOG_LEVEL ?? 'silent' },
    // The default per-file output, then the counts that scripts/test.sh turns into its closing line
    // `N passed, N failed[, N skipped]`.
    reporters: ['default', './test/reporter.ts'],
  },
});
