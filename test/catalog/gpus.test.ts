import { describe, expect, it } from 'vitest';
import { GPUS, GPU_KEYS, MIG_REPORTED_FACTOR, clusterMigStrategy, gpuResourceName, gpuSpec, isGpuResource, poolDevice } from '../../catalog/gpus';
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

  it('sizes a MIG slice as `nvidia-smi mig -lgip` reports it (GiB), less 1%, where a listing was found', () => {
    const GIB = 1024 ** 3;
    const slice = (gpu: string, profile: string) => poolDevice(GPUS[gpu]!, { mode: 'mig', profile })!;
    expect(MIG_REPORTED_FACTOR).toBe(0.99);
    // A100 80GB lists 3g.40gb at 39.25 GiB, H100 80GB at 39.50 GiB: the same profile name, different memory
    expect(slice('a100-80gb', '3g.40gb').memoryBytes).toBe(Math.floor(39.25 * 0.99 * GIB));
    expect(slice('h100-80gb', '3g.40gb').memoryBytes).toBe(Math.floor(39.5 * 0.99 * GIB));
    expect(slice('a100-40gb', '1g.5gb').memoryBytes).toBe(Math.floor(4.75 * 0.99 * GIB));
    for (const gpu of Object.values(GPUS)) {
      for (const p of gpu.migProfiles) {
        const d = poolDevice(gpu, { mode: 'mig', profile: p.name })!;
        // never more than the listing, nor than the whole GPU's share
        if (p.reportedGiB !== undefined) expect(d.memoryBytes).toBeLessThanOrEqual(p.reportedGiB * GIB);
        expect(d.memoryBytes * p.instancesPerGpu, `${gpu.key} ${p.name}`).toBeLessThanOrEqual(gpu.memoryGB * GIB);
        // no listing: the name read as decimal GB, less 2%
        if (p.reportedGiB === undefined) expect(d.memoryBytes).toBe(Math.floor(p.memoryGB * 1e9 * 0.98));
      }
    }
  });

  it("plans H200's 71gb slices with vLLM's small batch defaults: they are under its 70 GiB threshold", () => {
    // vLLM picks 1024 sequences / 8192 batched tokens at >= 70 GiB (arg_utils.py get_batch_defaults). A public run on
    // an H200 MIG 3g.71gb slice shows 69.8 (torch's total, GiB or GB: under 70 GiB either way); the whole H200 lists
    // 140 GiB for 7g.141gb, and four of its eight memory slices are under half of it.
    for (const profile of ['3g.71gb', '4g.71gb']) {
      const d = poolDevice(GPUS['h200-141gb']!, { mode: 'mig', profile })!;
      expect(d.largeBatchDefaults, profile).toBe(false);
      expect(d.memoryBytes / 1024 ** 3).toBeLessThan(69.8);
    }
    expect(poolDevice(GPUS['h200-141gb']!, { mode: 'mig', profile: '7g.141gb' })!.largeBatchDefaults).toBe(true);
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
