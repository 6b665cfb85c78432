import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // examples/ import the construct library by its package name, as a team's own app does (vitest runs from the repository root)
  resolve: { alias: { 'inference-stack': resolve('constructs/index.ts') } },
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
