/** GPU pools end to end: resource names under the cluster's MIG strategy, readiness gates, timeouts. */
import { describe, expect, it } from 'vitest';
import { capacityReport } from '../../bin/commands/capacity';
import type { Environment } from '../../environments/schema';
import { checkPolicy } from '../../policy/check';
import { workloads } from '../../policy/rules';
import { helmReleases, presetEnv, releaseValues, statefulSets, synthEnvJson } from '../support/synth';

/** prod with one more A100 node cut the balanced way: the operator must switch to the mixed strategy. */
function prodWithBalancedPool(): Environment {
  const env = structuredClone(presetEnv('prod'));
  return { ...env, gpuPools: [...env.gpuPools, { ...env.gpuPools.find((p) => p.name === 'a100-mig')!, name: 'a100-balanced', nodes: ['prod-a100-02'], sharing: { mode: 'mig', profile: 'balanced' } }] };
}

describe('MIG strategy mixed', () => {
  const stacks = synthEnvJson(prodWithBalancedPool());

  it('switches the operator to mixed, and the servers of the uniform MIG pool ask for nvidia.com/mig-<profile>', () => {
    const values = releaseValues(helmReleases(stacks['prod-platform']!).find((r) => r.chart === 'gpu-operator')!) as { mig: { strategy: string } };
    expect(values.mig.strategy).toBe('mixed');
    const qwen = statefulSets(stacks['prod-models']!)['qwen-7b']!;
    const resources = qwen.spec.template.spec.container[0]!.resources as { requests: Record<string, string>; limits: Record<string, string> };
    expect(resources.limits['nvidia.com/mig-3g.40gb']).toBe('1');
    expect(resources.requests['nvidia.com/mig-3g.40gb']).toBe('1');
    expect(resources.limits['nvidia.com/gpu']).toBeUndefined();
    // whole-GPU pools keep nvidia.com/gpu
    const llama = statefulSets(stacks['prod-models']!)['llama-70b']!;
    expect((llama.spec.template.spec.container[0]!.resources as { limits: Record<string, string> }).limits['nvidia.com/gpu']).toBe('4');
  });

  it('shows the resource each pool is requested by in the capacity report', () => {
    const pools = capacityReport(prodWithBalancedPool()).pools;
    expect(Object.fromEntries(pools.map((p) => [p.pool, p.resource]))).toEqual({ h100: 'nvidia.com/gpu', 'a100-mig': 'nvidia.com/mig-3g.40gb', 'a100-balanced': 'nvidia.com/mig-* (several profiles)' });
  });

  it('holds the policy: the MIG slice counts as a GPU (limit = request, toleration, pool selector)', () => {
    const docs = Object.entries(stacks).map(([name, json]) => ({ name, json }));
    const qwen = workloads({ name: 'prod-models', json: stacks['prod-models']! }).find((w) => w.labels['app.kubernetes.io/name'] === 'qwen-7b')!;
    expect(qwen.gpus).toBe(1);
    const findings = checkPolicy(docs, 'prod').violations.filter((f) => ['P05', 'P06'].includes(f.rule));
    expect(findings).toEqual([]);
  });
});

describe('MIG strategy single (prod as it is)', () => {
  it('keeps nvidia.com/gpu for MIG slices', () => {
    const stacks = synthEnvJson(presetEnv('prod'));
    const qwen = statefulSets(stacks['prod-models']!)['qwen-7b']!;
    expect((qwen.spec.template.spec.container[0]!.resources as { limits: Record<string, string> }).limits).toMatchObject({ 'nvidia.com/gpu': '1' });
  });
});
