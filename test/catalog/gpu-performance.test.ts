import { describe, expect, it } from 'vitest';
import { GPU_PERFORMANCE } from '../../catalog/gpu-performance';
import { GPUS, GPU_KEYS } from '../../catalog/gpus';
import { readFacts } from '../support/upstream';

type Fact<T> = { value: T; source: string };
const upstream = readFacts<{
  gpus: Record<string, { memory_bandwidth_gb_s: Fact<number>; bf16_dense_tflops: Fact<number | null>; fp16_dense_tflops?: Fact<number | null>; fp8_dense_tflops: Fact<number | null> }>;
}>('gpus.json');

describe('GPU bandwidth and compute (the cost estimate\'s roofline)', () => {
  it('has every GPU of the catalogue', () => {
    expect(Object.keys(GPU_PERFORMANCE).sort()).toEqual([...GPU_KEYS].sort());
  });

  it.each(GPU_KEYS)('%s agrees with the upstream datasheet facts (facts/upstream/gpus.json)', (key) => {
    const perf = GPU_PERFORMANCE[key]!;
    const facts = upstream.gpus[GPUS[key]!.product]!;
    expect(perf.memoryBandwidthGBs).toBe(facts.memory_bandwidth_gb_s.value);
    // BF16, else (T4, no BF16) FP16
    expect(perf.dense16Tflops).toBe(facts.bf16_dense_tflops.value ?? facts.fp16_dense_tflops?.value);
    expect(perf.denseFp8Tflops).toBe(facts.fp8_dense_tflops.value ?? undefined);
    // FP8 throughput exactly where the catalogue says the GPU has FP8 Tensor Cores
    expect(perf.denseFp8Tflops !== undefined).toBe(GPUS[key]!.fp8);
  });
});
