import type { Reporter, TestModule } from 'vitest/node';

/** Prints a plain closing line, `tests: N passed, N failed, N skipped`, that CI logs can be read by. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown> = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const m of modules) {
      // A test file that failed to load ran none of its tests: count it as a failure, not as nothing.
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) counts.failed++;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
    }
    counts.failed += unhandledErrors.length;
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
