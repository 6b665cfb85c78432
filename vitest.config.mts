import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files of a worker share loaded modules: loading cdktf and the provider bindings once per worker, not
    // once per file, halves the suite's CPU time. Tests must not depend on a fresh module state.
    isolate: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
