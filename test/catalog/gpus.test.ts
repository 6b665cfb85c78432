import { describe, expect, it } from 'vitest';
import { GPUS, GPU_KEYS, clusterMigStrategy, gpuResourceName, gpuSpec, isGpuResource } from '../../catalog/gpus';
import { readFacts } from '../support/upstream';

type Fact<T> = { value: T; source: string };
const upstream = readFacts<{
  gpus: Record<string, { compute_capability: Fact<string>; memory_gb: Fact<number>; fp8_tensor_cores: Fact<boolean>; mig: Fact<string | boolean> }>;
}>('gpus.json');

describe('GPU catalogue', () => {
  it('has every GPU the foundation issue names', () => {
    expect(GPU_KEYS).toEqual(
      expect.arrayContaining(['h100-80gb', 'h200-141gb', 'a100-80gb', 'a100-40gb', 'l40s-48gb', 'l4-24gb', 'a10-24gb', 't4-16gb', 'rtx-4090-24gb', 'rtx-5090-32gb', 'rtx-pro-6000-96gb']),
    );
  });

  it.each(GPU_KEYS)('%s agrees with the upstream GPU facts (shared/upstream/models.json)', (key) => {
    const gpu = GPUS[key]!;
    const facts = upstream.gpus[gpu.product];
    expect(facts, `no upstream facts for "${gpu.product}"`).toBeDefined();
    expect(gpu.memoryGB).toBe(facts!.memory_gb.value);
    expect(gpu.computeCapability).toBe(Number(facts!.compute_capability.value));
    expect(gpu.fp8).toBe(facts!.fp8_tensor_cores.value);
    const hasMig = facts!.mig.value !== false;
    expect(gpu.migProfiles.length > 0).toBe(hasMig);
    if (typeof facts!.mig.value === 'string') {
      // "yes, up to 7 instances": the smallest profile fits that many times
      const max = Number(/up to (\d+)/.exec(facts!.mig.value)?.[1]);
      expect(Math.max(...gpu.migProfiles.map((p) => p.instancesPerGpu))).toBe(max);
    }
  });

  it('FP8 support follows compute capability 8.9 or newer', () => {
    for (const gpu of Object.values(GPUS)) expect(gpu.fp8).toBe(gpu.computeCapability >= 8.9);
  });

  it('MIG profiles never promise more memory than the GPU has', () => {
    for (const gpu of Object.values(GPUS)) {
      // NVIDIA's profile names round up (H200: 2 x 3g.71gb on 141 GB), so allow one GB of rounding per instance.
      for (const p of gpu.migProfiles) expect((p.memoryGB - 1) * p.instancesPerGpu).toBeLessThanOrEqual(gpu.memoryGB);
    }
  });

  it('fails on an unknown GPU, listing the known ones', () => {
    expect(() => gpuSpec('h100')).toThrow(/unknown GPU "h100"; known GPUs: h100-80gb, h200-141gb/);
  });
});

describe('GPU resource names (device plugin v0.20.0 internal/rm/rm.go AddDefaultResourcesToConfig)', () => {
  it('names MIG slices nvidia.com/mig-<profile> under the mixed strategy and nvidia.com/gpu otherwise', () => {
    const mig = { mode: 'mig', profile: '3g.40gb' } as const;
    expect(gpuResourceName(mig, 'mixed')).toBe('nvidia.com/mig-3g.40gb');
    expect(gpuResourceName(mig, 'single')).toBe('nvidia.com/gpu');
    // whole GPUs and time-sliced shares stay nvidia.com/gpu whatever the strategy
    for (const strategy of ['none', 'single', 'mixed'] as const) {
      expect(gpuResourceName({ mode: 'none' }, strategy)).toBe('nvidia.com/gpu');
      expect(gpuResourceName({ mode: 'time-slicing', replicas: 2 }, strategy)).toBe('nvidia.com/gpu');
    }
    // a balanced layout has several slice sizes: no one resource to ask for
    expect(gpuResourceName({ mode: 'mig', profile: 'balanced' }, 'mixed')).toBeUndefined();
  });

  it('runs the mixed strategy as soon as one pool mixes profiles, single for uniform MIG, none without MIG', () => {
    expect(clusterMigStrategy([{ sharing: { mode: 'none' } }])).toBe('none');
    expect(clusterMigStrategy([{ sharing: { mode: 'none' } }, { sharing: { mode: 'mig', profile: '1g.10gb' } }])).toBe('single');
    expect(clusterMigStrategy([{ sharing: { mode: 'mig', profile: '1g.10gb' } }, { sharing: { mode: 'mig', profile: 'balanced' } }])).toBe('mixed');
  });

  it('recognises every GPU resource name, and nothing else', () => {
    for (const name of ['nvidia.com/gpu', 'nvidia.com/mig-3g.40gb', 'nvidia.com/mig-1g.10gb']) expect(isGpuResource(name)).toBe(true);
    for (const name of ['cpu', 'memory', 'nvidia.com/gpu.shared', 'amd.com/gpu']) expect(isGpuResource(name)).toBe(false);
  });
});
