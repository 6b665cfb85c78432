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
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
