import { describe, expect, it } from 'vitest';
import { GPUS, poolDevice, usableMemoryBytes } from '../../catalog/gpus';
import { MODELS } from '../../catalog/models';
import { GIB, OVERHEAD, impliedQuantization, plan, runtimeFlags, runtimeOverhead, weightBytes } from '../../catalog/planner';

const device = (key: string) => poolDevice(GPUS[key]!, { mode: 'none' })!;

describe('capacity planner, against figures computed by hand', () => {
  it('Llama 3.1 8B, bf16, on one L40S at 0.90', () => {
    // memory      = 44.31 GiB as vLLM logs it = floor(44.31 x 2^30)              = 47,577,500,221 B
    // budget      = floor(47,577,500,221 x 0.90)                                 = 42,819,750,198 B
    // overhead    = non-torch 268,435,456 (0.25 GiB)
    //             + sampler 256 seqs (small defaults) x 128,256 vocab x 40 B     =  1,313,341,440
    //             + CUDA graphs 644,245,094 (0.6 GiB) + margin 268,435,456       =  2,494,457,446 B
    // usable      = 42,819,750,198 - 2,494,457,446                               = 40,325,292,752 B
    // weights     = 8,030,261,248 params x 2 bytes                               = 16,060,522,496 B
    // KV / token  = 2 x 32 layers x 8 KV heads x 128 head dim x 2 B              =        131,072 B
    // KV cache    = 40,325,292,752 - 16,060,522,496                              = 24,264,770,256 B
    // tokens      = floor(24,264,770,256 / 131,072) = 185,125; sequences = floor(185,125 / 32,768) = 5
    const d = device('l40s-48gb');
    expect(d.memoryBytes).toBe(47_577_500_221);
    expect(d.largeBatchDefaults).toBe(false);
    const p = plan({ arch: MODELS['meta-llama/Llama-3.1-8B-Instruct']!, gpuMemoryBytes: d.memoryBytes, largeBatchDefaults: false, tensorParallel: 1, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 32768, gpuMemoryUtilization: 0.9 });
    expect(p.budgetBytesPerGpu).toBe(42_819_750_198);
    expect(p.overhead).toMatchObject({ maxNumSeqs: 256, samplerBytes: 1_313_341_440, cudaGraphBytes: 644_245_094, totalBytes: 2_494_457_446 });
    expect(p.weightBytesPerGpu).toBe(16_060_522_496);
    expect(p.kvBytesPerTokenPerGpu).toBe(131_072);
    expect(p.usableBytesPerGpu).toBe(40_325_292_752);
    expect(p.kvCacheBytesPerGpu).toBe(24_264_770_256);
    expect(p.kvCapacityTokens).toBe(185_125);
    expect(p.fullLengthSequences).toBe(5);
    expect(p.largestMaxModelLen).toBe(131_072); // capped at the model's limit
    // what vLLM will likely log: the same without the 0.25 GiB margin
    expect(p.likelyKvCacheBytesPerGpu).toBe(24_264_770_256 + 268_435_456);
  });

  it('Llama 3.3 70B, fp8 at load, tensor parallel 4 on H100', () => {
    // weights     = embeddings + lm_head at 16 bit: 2 x 128,256 x 8,192 = 2,101,346,304 params x 2 B = 4,202,692,608
    //             + the rest at FP8 with scales: (70,553,706,496 - 2,101,346,304) x 1.002  = 68,589,264,912.4
    //             = ceil(72,791,957,520.4) = 72,791,957,521 B; / 4 GPUs, rounded up   = 18,197,989,381 B per GPU
    // KV / token  = 2 x 80 layers x (8 KV heads / 4) x 128 x 2 B                         =         81,920 B per GPU
    // budget      = floor(79.18 GiB = 85,018,877,624 x 0.90)                             = 76,516,989,861 B
    // overhead    = non-torch with TP 805,306,368 (0.75 GiB) + sampler 1024 seqs (large defaults) x 128,256 x 40
    //               = 5,253,365,760 + CUDA graphs 1,073,741,824 (1 GiB) + margin 268,435,456 = 7,400,849,408 B
    // KV cache    = 76,516,989,861 - 7,400,849,408 - 18,197,989,381                      = 50,918,151,072 B
    // tokens      = floor(50,918,151,072 / 81,920) = 621,559; sequences = floor(621,559 / 131,072) = 4
    const d = device('h100-80gb');
    expect(d.largeBatchDefaults).toBe(true);
    const p = plan({ arch: MODELS['meta-llama/Llama-3.3-70B-Instruct']!, gpuMemoryBytes: d.memoryBytes, largeBatchDefaults: true, tensorParallel: 4, pipelineParallel: 1, quantization: 'fp8', kvCacheDtype: 'auto', maxModelLen: 131072, gpuMemoryUtilization: 0.9 });
    expect(p.weightBytesTotal).toBe(72_791_957_521);
    expect(p.weightBytesPerGpu).toBe(18_197_989_381);
    expect(p.kvBytesPerTokenPerGpu).toBe(81_920);
    expect(p.budgetBytesPerGpu).toBe(76_516_989_861);
    expect(p.overhead.totalBytes).toBe(7_400_849_408);
    expect(p.kvCacheBytesPerGpu).toBe(50_918_151_072);
    expect(p.kvCapacityTokens).toBe(621_559);
    expect(p.fullLengthSequences).toBe(4);
  });

  it('Qwen2.5 7B, bf16, on an A100 MIG slice 3g.40gb', () => {
    // memory      = nvidia-smi mig -lgip lists 39.25 GiB; x 0.99 = floor(39.25 x 0.99 x 1,073,741,824) = 41,722,922,926 B
    // budget      = floor(41,722,922,926 x 0.90)                                        = 37,550,630,633 B
    // overhead    = 268,435,456 + 256 x 152,064 x 40 (= 1,557,135,360) + 644,245,094 + 268,435,456 = 2,738,251,366 B
    //               (39 GiB: under 70 GiB, vLLM's small batch defaults)
    // weights     = 7,615,616,512 x 2                                                   = 15,231,233,024 B
    // KV / token  = 2 x 28 layers x 4 KV heads x 128 x 2 B                              =         57,344 B
    // KV cache    = 37,550,630,633 - 2,738,251,366 - 15,231,233,024                     = 19,581,146,243 B
    // tokens      = floor(19,581,146,243 / 57,344) = 341,468; sequences = 10; maxModelLen capped at the model's 32,768
    const d = poolDevice(GPUS['a100-80gb']!, { mode: 'mig', profile: '3g.40gb' })!;
    expect(d.memoryBytes).toBe(41_722_922_926);
    expect(d.largeBatchDefaults).toBe(false);
    const p = plan({ arch: MODELS['Qwen/Qwen2.5-7B-Instruct']!, gpuMemoryBytes: d.memoryBytes, largeBatchDefaults: d.largeBatchDefaults, tensorParallel: 1, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 32768, gpuMemoryUtilization: 0.9 });
    expect(p.overhead.totalBytes).toBe(2_738_251_366);
    expect(p.kvBytesPerTokenPerGpu).toBe(57_344);
    expect(p.kvCacheBytesPerGpu).toBe(19_581_146_243);
    expect(p.kvCapacityTokens).toBe(341_468);
    expect(p.fullLengthSequences).toBe(10);
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
    // NCCL buffers: 0.75 GiB of non-torch memory with more than one GPU, 0.25 GiB alone
    expect(pp.overhead.nonTorchBytes).toBe(0.75 * GIB);
    expect(plan(base).overhead.nonTorchBytes).toBe(0.25 * GIB);
  });

  it('replicates KV heads when tensor parallel exceeds them', () => {
    // 2 KV heads over 4 GPUs: each GPU still holds one whole head
    const arch = { layers: 10, attentionHeads: 16, kvHeads: 2, headDim: 64, maxPositionEmbeddings: 4096, parameters: 1e9, checkpoint: 'bf16' as const };
    const p = plan({ arch, gpuMemoryBytes: 24e9, tensorParallel: 4, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 4096, gpuMemoryUtilization: 0.9 });
    expect(p.kvBytesPerTokenPerGpu).toBe(2 * 10 * 1 * 64 * 2);
  });

  it('reports a shortfall when the weights do not fit', () => {
    // 70B in bf16 on one 80 GB GPU: 141 GB of weights
    const p = plan({ arch: MODELS['meta-llama/Llama-3.1-70B-Instruct']!, gpuMemoryBytes: device('h100-80gb').memoryBytes, tensorParallel: 1, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 8192, gpuMemoryUtilization: 0.9 });
    expect(p.weightBytesPerGpu).toBe(141_107_412_992);
    expect(p.kvCacheBytesPerGpu).toBeLessThan(0);
    expect(p.kvCapacityTokens).toBe(0);
    expect(p.fullLengthSequences).toBe(0);
    expect(p.largestMaxModelLen).toBe(0);
  });

  it('keeps embeddings and lm_head at 16 bit in quantised checkpoints, and loads MXFP4 above its checkpoint bytes', () => {
    // Qwen2.5 72B AWQ: 2 x 152,064 x 8,192 = 2,491,416,576 params at 2 B = 4,982,833,152
    //   + (72,706,203,648 - 2,491,416,576) x 0.5625 = 39,495,817,728  ->  44,478,650,880 B
    expect(weightBytes(MODELS['Qwen/Qwen2.5-72B-Instruct-AWQ']!, 'awq')).toBe(44_478_650_880);
    // without them it would be 72,706,203,648 x 0.5625 = 40,897,239,552: 3.6 GB short
    expect(weightBytes(MODELS['Qwen/Qwen2.5-72B-Instruct-AWQ']!, 'awq')).toBeGreaterThan(Math.ceil(72_706_203_648 * 0.5625));
    // gpt-oss-120b: 65.2 GB of checkpoint x 1.09 planned (x 1.06 likely); vLLM loaded 64.38-65.97 GiB
    expect(weightBytes(MODELS['openai/gpt-oss-120b']!, 'mxfp4')).toBe(71_068_000_000);
    expect(weightBytes(MODELS['openai/gpt-oss-120b']!, 'mxfp4', 'likely')).toBe(69_112_000_000);
    // a quantised model outside the catalogue without vocabulary and hidden size: 15% of parameters at 16 bit
    const bare = { layers: 10, attentionHeads: 16, kvHeads: 2, headDim: 64, maxPositionEmbeddings: 4096, parameters: 1e9, checkpoint: 'awq-int4' as const };
    expect(weightBytes(bare, 'awq')).toBe(Math.ceil(0.85e9 * 0.5625 + 0.15e9 * 2));
  });

  it('follows the extraArgs that change the overhead', () => {
    const arch = MODELS['meta-llama/Llama-3.1-8B-Instruct']!;
    const o = (args: string[], large = true) => runtimeOverhead(arch, { largeBatchDefaults: large, gpus: 1, flags: runtimeFlags(args) });
    expect(runtimeFlags(['--max-num-seqs', '64', '--max-num-batched-tokens=16384', '--enforce-eager'])).toEqual({ maxNumSeqs: 64, maxNumBatchedTokens: 16384, enforceEager: true, throughputMode: false });
    // sampler: 64 seqs x 128,256 x 40 B instead of 1024
    expect(o(['--max-num-seqs', '64']).samplerBytes).toBe(64 * 128_256 * 40);
    expect(o([]).samplerBytes).toBe(1024 * 128_256 * 40);
    // prefill above the default 8192 tokens: (16384 - 8192) x 4096 hidden x 20 B; none below it
    expect(o(['--max-num-batched-tokens', '16384']).prefillBytes).toBe(8192 * 4096 * 20);
    expect(o(['--max-num-batched-tokens', '1024']).prefillBytes).toBe(0);
    expect(o(['--enforce-eager']).cudaGraphBytes).toBe(0);
    expect(o([]).cudaGraphBytes).toBe(OVERHEAD.cudaGraphBytes.large);
    expect(o([], false).cudaGraphBytes).toBe(OVERHEAD.cudaGraphBytes.small);
    expect(o([], false).samplerBytes).toBe(256 * 128_256 * 40);
  });

  it('doubles the batch defaults it was not given under --performance-mode throughput, as vLLM does', () => {
    // vllm/engine/arg_utils.py (main@6adad087): "If throughput mode is set, double max_num_batched_tokens and
    // max_num_seqs", each only when the user did not set it.
    const arch = MODELS['meta-llama/Llama-3.1-8B-Instruct']!;
    const o = (args: string[], large = true) => runtimeOverhead(arch, { largeBatchDefaults: large, gpus: 1, flags: runtimeFlags(args) });
    for (const args of [['--performance-mode', 'throughput'], ['--performance-mode=throughput']]) {
      expect(o(args).maxNumSeqs).toBe(2048);
      expect(o(args).maxNumBatchedTokens).toBe(16384);
      expect(o(args).samplerBytes).toBe(2048 * 128_256 * 40);
      // prefill above the default 8192 tokens: the doubled budget counts
      expect(o(args).prefillBytes).toBe(8192 * 4096 * 20);
      expect(o(args, false).maxNumSeqs).toBe(512);
    }
    // an explicit value is kept; the other one still doubles
    expect(o(['--performance-mode', 'throughput', '--max-num-seqs', '64']).maxNumSeqs).toBe(64);
    expect(o(['--performance-mode', 'throughput', '--max-num-seqs', '64']).maxNumBatchedTokens).toBe(16384);
    // the other modes keep the defaults
    expect(o(['--performance-mode', 'interactivity']).maxNumSeqs).toBe(1024);
    expect(o(['--performance-mode=balanced']).maxNumBatchedTokens).toBe(8192);
  });

  it('takes GPU memory as vLLM sees it: the logged figure, else the nominal less 1.5-2%', () => {
    expect(usableMemoryBytes(GPUS['h100-80gb']!)).toBe(Math.floor(79.18 * GIB)); // above 80e9 B = 74.5 GiB
    expect(usableMemoryBytes(GPUS['l40s-48gb']!)).toBe(Math.floor(44.31 * GIB)); // below 48e9 B = 44.7 GiB
    expect(usableMemoryBytes(GPUS['a100-80gb']!)).toBe(Math.floor(80 * GIB * 0.985)); // HBM, no log found
    expect(usableMemoryBytes(GPUS['l4-24gb']!)).toBe(Math.floor(24e9 * 0.98)); // GDDR, no log found
    expect(device('a100-80gb').largeBatchDefaults).toBe(false); // vLLM keeps A100 on the small defaults
    expect(device('h200-141gb').largeBatchDefaults).toBe(true);
  });

  it('takes the quantisation from a pre-quantised checkpoint', () => {
    expect(impliedQuantization(MODELS['hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4']!)).toBe('awq');
    expect(impliedQuantization(MODELS['neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8']!)).toBe('fp8');
    expect(impliedQuantization(MODELS['openai/gpt-oss-20b']!)).toBe('mxfp4');
    expect(impliedQuantization(MODELS['meta-llama/Llama-3.1-8B-Instruct']!)).toBe('none');
  });
});
