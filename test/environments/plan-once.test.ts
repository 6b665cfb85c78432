/**
 * Issue 15: the planner ran in three places (the model checks, the models stack, `capacity`). Now the checks plan
 * each model once, and loading, `capacity`, the diagram and the stacks read that plan.
 */
import { describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ planServing: 0 }));
vi.mock('../../catalog/planner', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../catalog/planner')>();
  return {
    ...real,
    planServing: (...args: Parameters<typeof real.planServing>) => {
      calls.planServing++;
      return real.planServing(...args);
    },
  };
});

describe('the plan of a model', () => {
  it('is computed once per model, from loading to the synthesized stacks', async () => {
    // The worker may have loaded the planner's users before this file mocked it (vitest.config.mts: isolate false).
    vi.resetModules();
    const { capacityReport } = await import('../../bin/commands/capacity');
    const { mermaid } = await import('../../bin/commands/diagram');
    const { loadEnvironment } = await import('../../environments/load');
    const { synthEnvFromResolved } = await import('../support/synth');
    const { writeEnvs } = await import('../support/env');
    const file = writeEnvs({ e: { extends: 'prod', name: 'once' } }).e!;
    calls.planServing = 0;
    const { resolved } = loadEnvironment(file);
    expect(resolved.models.length).toBeGreaterThan(1);
    capacityReport(resolved);
    mermaid(resolved);
    const stacks = synthEnvFromResolved(resolved);
    expect(Object.keys(stacks)).toContain('once-models');
    expect(calls.planServing).toBe(resolved.models.length);
  });
});
