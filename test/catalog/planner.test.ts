import { describe, expect, it } from 'vitest';
import { MODELS } from '../../catalog/models';
import { GIB, RUNTIME_OVERHEAD_BYTES, impliedQuantization, plan, weightBytes } from '../../catalog/planner';

describe('capacity planner, against figures computed by hand', () => {
  it('Llama 3.1 8B, bf16, on one L40S 48 GB at 0.90', () => {
    // weights     = 8,030,261,248 params x 2 bytes                   = 16,060,522,496 B
    // KV / token  = 2 x 32 layers x 8 KV heads x 128 head dim x 2 B  = 131,072 B
    // usable      = 48e9 x 0.90 - 2 GiB = 43,200,000,000 - 2,147,483,648 = 41,052,516,352 B
    // KV cache    = 41,052,516,352 - 16,060,522,496                  = 24,991,993,856 B
    // tokens      = floor(24,991,993,856 / 131,072)                  = 190,673
    // sequences   = floor(190,673 / 32,768)                          = 5
    const p = plan({ arch: MODELS['meta-llama/Llama-3.1-8B-Instruct']!, gpuMemoryBytes: 48e9, tensorParallel: 1, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 32768, gpuMemoryUtilization: 0.9 });
    expect(RUNTIME_OVERHEAD_BYTES).toBe(2 * GIB);
    expect(p.weightBytesPerGpu).toBe(16_060_522_496);
    expect(p.kvBytesPerTokenPerGpu).toBe(131_072);
    expect(p.usableBytesPerGpu).toBe(41_052_516_352);
    expect(p.kvCacheBytesPerGpu).toBe(24_991_993_856);
    expect(p.kvCapacityTokens).toBe(190_673);
    expect(p.fullLengthSequences).toBe(5);
    expect(p.largestMaxModelLen).toBe(131_072); // capped at the model's limit
  });

  it('Llama 3.3 70B, fp8 at load, tensor parallel 4 on H100 80 GB', () => {
    // weights     = 70,553,706,496 params x 1 byte / 4 GPUs          = 17,638,426,624 B per GPU
    // KV / token  = 2 x 80 layers x (8 KV heads / 4) x 128 x 2 B     = 81,920 B per GPU
    // usable      = 80e9 x 0.90 - 2 GiB                              = 69,852,516,352 B
    // KV cache    = 69,852,516,352 - 17,638,426,624                  = 52,214,089,728 B
    // tokens      = floor(52,214,089,728 / 81,920)                   = 637,379
    // sequences   = floor(637,379 / 131,072)                         = 4
    const p = plan({ arch: MODELS['meta-llama/Llama-3.3-70B-Instruct']!, gpuMemoryBytes: 80e9, tensorParallel: 4, pipelineParallel: 1, quantization: 'fp8', kvCacheDtype: 'auto', maxModelLen: 131072, gpuMemoryUtilization: 0.9 });
    expect(p.weightBytesTotal).toBe(70_553_706_496);
    expect(p.weightBytesPerGpu).toBe(17_638_426_624);
    expect(p.kvBytesPerTokenPerGpu).toBe(81_920);
    expect(p.kvCacheBytesPerGpu).toBe(52_214_089_728);
    expect(p.kvCapacityTokens).toBe(637_379);
    expect(p.fullLengthSequences).toBe(4);
  });

  it('Qwen2.5 7B, bf16, on an A100 MIG slice 3g.40gb', () => {
    // weights     = 7,615,616,512 x 2                                = 15,231,233,024 B
    // KV / token  = 2 x 28 layers x 4 KV heads x 128 x 2 B           = 57,344 B
    // usable      = 40e9 x 0.90 - 2 GiB                              = 33,852,516,352 B
    // KV cache    = 33,852,516,352 - 15,231,233,024                  = 18,621,283,328 B
    // tokens      = floor(18,621,283,328 / 57,344)                   = 324,729
    // sequences   = floor(324,729 / 32,768)                          = 9; the model's limit caps maxModelLen at 32,768
    const p = plan({ arch: MODELS['Qwen/Qwen2.5-7B-Instruct']!, gpuMemoryBytes: 40e9, tensorParallel: 1, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 32768, gpuMemoryUtilization: 0.9 });
    expect(p.kvBytesPerTokenPerGpu).toBe(57_344);
    expect(p.kvCapacityTokens).toBe(324_729);
    expect(p.fullLengthSequences).toBe(9);
    expect(p.largestMaxModelLen).toBe(32_768);
  });

  it('halves the KV cache per token with fp8 KV, and splits layers over pipeline stages', () => {
    const arch = MODELS['meta-llama/Llama-3.1-8B-Instruct']!;
    const base = { arch, gpuMemoryBytes: 48e9, tensorParallel: 1, pipelineParallel: 1, quantization: 'none' as const, kvCacheDtype: 'auto' as const, maxModelLen: 8192, gpuMemoryUtilization: 0.9 };
    expect(plan({ ...base, kvCacheDtype: 'fp8' }).kvBytesPerTokenPerGpu).toBe(65_536);
    // 32 layers / 2 stages = 16 per GPU: 2 x 16 x 8 x 128 x 2 = 65,536; weights halve too
    const pp = plan({ ...base, pipelineParallel: 2 });
    expect(pp.kvBytesPerTokenPerGpu).toBe(65_536);
    expect(pp.weightBytesPerGpu).toBe(8_030_261_248);
  });

  it('replicates KV heads when tensor parallel exceeds them', () => {
    // 2 KV heads over 4 GPUs: each GPU still holds one whole head
    const arch = { layers: 10, attentionHeads: 16, kvHeads: 2, headDim: 64, maxPositionEmbeddings: 4096, parameters: 1e9, checkpoint: 'bf16' as const };
    const p = plan({ arch, gpuMemoryBytes: 24e9, tensorParallel: 4, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 4096, gpuMemoryUtilization: 0.9 });
    expect(p.kvBytesPerTokenPerGpu).toBe(2 * 10 * 1 * 64 * 2);
  });

  it('reports a shortfall when the weights do not fit', () => {
    // 70B in bf16 on one 80 GB GPU: 141 GB of weights
    const p = plan({ arch: MODELS['meta-llama/Llama-3.1-70B-Instruct']!, gpuMemoryBytes: 80e9, tensorParallel: 1, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 8192, gpuMemoryUtilization: 0.9 });
    expect(p.weightBytesPerGpu).toBe(141_107_412_992);
    expect(p.kvCacheBytesPerGpu).toBeLessThan(0);
    expect(p.kvCapacityTokens).toBe(0);
    expect(p.fullLengthSequences).toBe(0);
  });

  it('uses the published size of checkpoints that quantise some layers only', () => {
    expect(weightBytes(MODELS['openai/gpt-oss-120b']!, 'mxfp4')).toBe(65_200_000_000);
    // AWQ 4-bit: 4 bits plus group scales, about 4.5 bits a weight
    expect(weightBytes(MODELS['Qwen/Qwen2.5-72B-Instruct-AWQ']!, 'awq')).toBe(Math.ceil(72_706_203_648 * 0.5625));
  });

  it('takes the quantisation from a pre-quantised checkpoint', () => {
    expect(impliedQuantization(MODELS['hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4']!)).toBe('awq');
    expect(impliedQuantization(MODELS['neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8']!)).toBe('fp8');
    expect(impliedQuantization(MODELS['openai/gpt-oss-20b']!)).toBe('mxfp4');
    expect(impliedQuantization(MODELS['meta-llama/Llama-3.1-8B-Instruct']!)).toBe('none');
  });
});
