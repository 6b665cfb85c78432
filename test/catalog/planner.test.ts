import { describe, expect, it } from 'vitest';
import { GPUS, poolDevice, usableMemoryBytes } from '../../catalog/gpus';
import { MODELS } from '../../catalog/models';
import { GIB, OVERHEAD, impliedQuantization, plan, runtimeFlags, runtimeOverhead, weightBytes } from '../../catalog/planner';

const device = (key: string) => poolDevice(GPUS[key]!, { mode: 'none' })!;

describe('capacity planner, against figures computed by hand', () => {
  it('Llama 3.1 8B, bf16, on one L40S at 0.90', () => {
    // vLLM 0.27.1 runs a dense model on its V2 runner: no sampler sort in its memory profile, CUDA graphs outside the budget
    // memory      = 44.31 GiB as vLLM logs it = floor(44.31 x 2^30)              = 47,577,500,221 B
    // budget      = floor(47,577,500,221 x 0.90)                                 = 42,819,750,198 B
    // overhead    = non-torch 268,435,456 (0.25 GiB) + V2 activation 1,181,116,006 (1.1 GiB)
    //             + penalty buffer 256 seqs x 128,256 vocab x 4 B = 131,334,144 + margin 268,435,456
    //                                                                            =  1,849,321,062 B
    // usable      = 42,819,750,198 - 1,849,321,062                               = 40,970,429,136 B
    // weights     = 8,030,261,248 params x 2 bytes                               = 16,060,522,496 B
    // KV / token  = 2 x 32 layers x 8 KV heads x 128 head dim x 2 B              =        131,072 B
    // KV cache    = 40,970,429,136 - 16,060,522,496                              = 24,909,906,640 B
    // tokens      = floor(24,909,906,640 / 131,072) = 190,047; sequences = floor(190,047 / 32,768) = 5
    const d = device('l40s-48gb');
    expect(d.memoryBytes).toBe(47_577_500_221);
    expect(d.largeBatchDefaults).toBe(false);
    const p = plan({ arch: MODELS['meta-llama/Llama-3.1-8B-Instruct']!, gpuMemoryBytes: d.memoryBytes, largeBatchDefaults: false, tensorParallel: 1, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 32768, gpuMemoryUtilization: 0.9 });
    expect(p.budgetBytesPerGpu).toBe(42_819_750_198);
    expect(p.overhead).toMatchObject({ runner: 'v2', maxNumSeqs: 256, samplerBytes: 0, activationBytes: 1_181_116_006 + 131_334_144, cudaGraphBytes: 0, totalBytes: 1_849_321_062 });
    expect(p.weightBytesPerGpu).toBe(16_060_522_496);
    expect(p.kvBytesPerTokenPerGpu).toBe(131_072);
    expect(p.usableBytesPerGpu).toBe(40_970_429_136);
    expect(p.kvCacheBytesPerGpu).toBe(24_909_906_640);
    expect(p.kvCapacityTokens).toBe(190_047);
    expect(p.fullLengthSequences).toBe(5);
    expect(p.largestMaxModelLen).toBe(131_072); // capped at the model's limit
    // what vLLM will likely log: the same without the 0.25 GiB margin
    expect(p.likelyKvCacheBytesPerGpu).toBe(24_909_906_640 + 268_435_456);
    // outside the budget: 47,577,500,221 - 42,819,750,198 - CUDA context 536,870,912 - graphs 1,073,741,824 (1 GiB)
    expect(p.outsideBudgetBytesPerGpu).toBe(47_577_500_221 - 42_819_750_198 - 536_870_912 - 1_073_741_824);
  });

  it('Llama 3.3 70B, fp8 at load, tensor parallel 4 on H100', () => {
    // weights     = embeddings + lm_head at 16 bit: 2 x 128,256 x 8,192 = 2,101,346,304 params x 2 B = 4,202,692,608
    //             + the rest at FP8 with scales: (70,553,706,496 - 2,101,346,304) x 1.002  = 68,589,264,912.4
    //             = ceil(72,791,957,520.4) = 72,791,957,521 B; / 4 GPUs, rounded up   = 18,197,989,381 B per GPU
    // KV / token  = 2 x 80 layers x (8 KV heads / 4) x 128 x 2 B                         =         81,920 B per GPU
    // budget      = floor(79.18 GiB = 85,018,877,624 x 0.90)                             = 76,516,989,861 B
    // overhead    = V2 runner (dense): non-torch with TP over NVLink 2,415,919,104 (2.25 GiB: NCCL and all-reduce
    //               buffers) + activation 1,181,116,006 (1.1 GiB) + penalty buffer 1024 x 128,256 x 4 = 525,336,576
    //               + margin 268,435,456                                                  =  4,390,807,142 B
    // KV cache    = 76,516,989,861 - 4,390,807,142 - 18,197,989,381                      = 53,928,193,338 B
    // tokens      = floor(53,928,193,338 / 81,920) = 658,303; sequences = floor(658,303 / 131,072) = 5
    const d = device('h100-80gb');
    expect(d.largeBatchDefaults).toBe(true);
    const p = plan({ arch: MODELS['meta-llama/Llama-3.3-70B-Instruct']!, gpuMemoryBytes: d.memoryBytes, largeBatchDefaults: true, nvlink: d.nvlink, tensorParallel: 4, pipelineParallel: 1, quantization: 'fp8', kvCacheDtype: 'auto', maxModelLen: 131072, gpuMemoryUtilization: 0.9 });
    expect(p.weightBytesTotal).toBe(72_791_957_521);
    expect(p.weightBytesPerGpu).toBe(18_197_989_381);
    expect(p.kvBytesPerTokenPerGpu).toBe(81_920);
    expect(p.budgetBytesPerGpu).toBe(76_516_989_861);
    expect(p.overhead.totalBytes).toBe(4_390_807_142);
    expect(p.kvCacheBytesPerGpu).toBe(53_928_193_338);
    expect(p.kvCapacityTokens).toBe(658_303);
    expect(p.fullLengthSequences).toBe(5);
  });

  it('gpt-oss-120b (a mixture of experts: V1 runner), tensor parallel 2 on H100', () => {
    // weights     = 65,200,000,000 B of checkpoint x 1.09 = 71,068,000,000 B; / 2          = 35,534,000,000 B per GPU
    // overhead    = non-torch with TP 2,415,919,104 (2.25 GiB)
    //             + the larger of the sampler warm-up, 1024 seqs x 201,088 vocab x 16 B = 3,294,625,792, and the
    //               forward pass, 8192 tokens x 2880 hidden x 40 B = 943,718,400         =  3,294,625,792
    //             + CUDA graphs counted since 0.20.1: 2,147,483,648 (2 GiB) + margin 268,435,456
    //                                                                                     =  8,126,464,000 B
    // KV cache    = 76,516,989,861 - 8,126,464,000 - 35,534,000,000                       = 32,856,525,861 B
    const p = plan({ arch: MODELS['openai/gpt-oss-120b']!, gpuMemoryBytes: device('h100-80gb').memoryBytes, largeBatchDefaults: true, tensorParallel: 2, pipelineParallel: 1, quantization: 'mxfp4', kvCacheDtype: 'auto', maxModelLen: 131072, gpuMemoryUtilization: 0.9 });
    expect(p.overhead).toMatchObject({ runner: 'v1', nonTorchBytes: 2_415_919_104, samplerBytes: 3_294_625_792, prefillBytes: 943_718_400, cudaGraphBytes: 2_147_483_648, totalBytes: 8_126_464_000 });
    expect(p.weightBytesPerGpu).toBe(35_534_000_000);
    expect(p.kvCacheBytesPerGpu).toBe(32_856_525_861);
    // the sampler warms up again after the KV cache is sized: 1024 x 201,088 x 9 B = 1,853,227,008 B, and
    // 85,018,877,624 - 76,516,989,861 - 1,610,612,736 (CUDA context with TP) = 6,891,275,027 B are there for it
    expect(p.samplerWarmupBytes).toBe(1_853_227_008);
    expect(p.outsideBudgetBytesPerGpu).toBe(6_891_275_027);
  });

  it('Qwen2.5 7B, bf16, on an A100 MIG slice 3g.40gb', () => {
    // memory      = nvidia-smi mig -lgip lists 39.25 GiB; x 0.99 = floor(39.25 x 0.99 x 1,073,741,824) = 41,722,922,926 B
    // budget      = floor(41,722,922,926 x 0.90)                                        = 37,550,630,633 B
    // overhead    = V2 runner: 268,435,456 + 1,181,116,006 + 256 x 152,064 x 4 (155,713,536) + margin 268,435,456
    //                                                                                   =  1,873,700,454 B
    //               (39 GiB: under 70 GiB, vLLM's small batch defaults)
    // weights     = 7,615,616,512 x 2                                                   = 15,231,233,024 B
    // KV / token  = 2 x 28 layers x 4 KV heads x 128 x 2 B                              =         57,344 B
    // KV cache    = 37,550,630,633 - 1,873,700,454 - 15,231,233,024                     = 20,445,697,155 B
    // tokens      = floor(20,445,697,155 / 57,344) = 356,544; sequences = 10; maxModelLen capped at the model's 32,768
    const d = poolDevice(GPUS['a100-80gb']!, { mode: 'mig', profile: '3g.40gb' })!;
    expect(d.memoryBytes).toBe(41_722_922_926);
    expect(d.largeBatchDefaults).toBe(false);
    const p = plan({ arch: MODELS['Qwen/Qwen2.5-7B-Instruct']!, gpuMemoryBytes: d.memoryBytes, largeBatchDefaults: d.largeBatchDefaults, tensorParallel: 1, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 32768, gpuMemoryUtilization: 0.9 });
    expect(p.overhead.totalBytes).toBe(1_873_700_454);
    expect(p.kvBytesPerTokenPerGpu).toBe(57_344);
    expect(p.kvCacheBytesPerGpu).toBe(20_445_697_155);
    expect(p.kvCapacityTokens).toBe(356_544);
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
    // NCCL and all-reduce buffers with more than one GPU: 2.25 GiB over NVLink (the default), 0.5 GiB on the V2 runner
    // over PCIe; 0.25 GiB alone
    expect(pp.overhead.nonTorchBytes).toBe(2.25 * GIB);
    expect(plan({ ...base, pipelineParallel: 2, nvlink: false }).overhead.nonTorchBytes).toBe(0.5 * GIB);
    expect(plan(base).overhead.nonTorchBytes).toBe(0.25 * GIB);
    expect(plan({ ...base, pipelineParallel: 2, nvlink: false, arch: { ...arch, mixtureOfExperts: undefined } }).overhead.nonTorchBytes).toBe(2.25 * GIB);
    // pipeline stages on the V2 runner keep more: 36 B per batched token per hidden unit (2048 x 4096 x 36 here)
    expect(pp.overhead.activationBytes).toBe(Math.round(1.1 * GIB) + 256 * 128_256 * 4 + 2048 * 4096 * 36);
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
    //   + (72,706,203,648 - 2,491,416,576) x 0.53 (4 bits + group-128 scales and zeros) = 37,213,837,148.16
    //   = ceil(42,196,670,300.16) = 42,196,670,301 B = 39.30 GiB; vLLM 0.20.1 loaded 38.77 GiB
    expect(weightBytes(MODELS['Qwen/Qwen2.5-72B-Instruct-AWQ']!, 'awq')).toBe(42_196_670_301);
    // without them it would be 72,706,203,648 x 0.53 = 38,534,287,933: 3.7 GB short
    expect(weightBytes(MODELS['Qwen/Qwen2.5-72B-Instruct-AWQ']!, 'awq')).toBeGreaterThan(Math.ceil(72_706_203_648 * 0.53));
    // gpt-oss-120b: 65.2 GB of checkpoint x 1.09 planned (x 1.06 likely); vLLM loaded 64.38-65.97 GiB
    expect(weightBytes(MODELS['openai/gpt-oss-120b']!, 'mxfp4')).toBe(71_068_000_000);
    expect(weightBytes(MODELS['openai/gpt-oss-120b']!, 'mxfp4', 'likely')).toBe(69_112_000_000);
    // a quantised model outside the catalogue without vocabulary and hidden size: 15% of parameters at 16 bit
    const bare = { layers: 10, attentionHeads: 16, kvHeads: 2, headDim: 64, maxPositionEmbeddings: 4096, parameters: 1e9, checkpoint: 'awq-int4' as const };
    expect(weightBytes(bare, 'awq')).toBe(Math.ceil(0.85e9 * 0.53 + 0.15e9 * 2));
  });

  it('follows the extraArgs that change the overhead', () => {
    // gpt-oss-20b, a mixture of experts: vLLM 0.27.1 runs it on the V1 runner, whose profile warms the sampler up
    const arch = MODELS['openai/gpt-oss-20b']!;
    const o = (args: string[], large = true) => runtimeOverhead(arch, { largeBatchDefaults: large, gpus: 1, flags: runtimeFlags(args) });
    expect(runtimeFlags(['--max-num-seqs', '64', '--max-num-batched-tokens=16384', '--enforce-eager'])).toEqual({ maxNumSeqs: 64, maxNumBatchedTokens: 16384, enforceEager: true, throughputMode: false, v1Only: false });
    // sampler: 64 seqs x 201,088 x 16 B instead of 1024
    expect(o(['--max-num-seqs', '64']).samplerBytes).toBe(64 * 201_088 * 16);
    expect(o([]).samplerBytes).toBe(1024 * 201_088 * 16);
    // the forward pass of a max_num_batched_tokens batch: tokens x 2880 hidden x 40 B; the profile's peak is the larger
    expect(o(['--max-num-batched-tokens', '65536']).prefillBytes).toBe(65536 * 2880 * 40);
    expect(o(['--max-num-batched-tokens', '65536']).activationBytes).toBe(65536 * 2880 * 40);
    expect(o([]).activationBytes).toBe(1024 * 201_088 * 16);
    expect(o(['--enforce-eager']).cudaGraphBytes).toBe(0);
    expect(o([]).cudaGraphBytes).toBe(OVERHEAD.cudaGraphBytes.large);
    expect(o([], false).cudaGraphBytes).toBe(OVERHEAD.cudaGraphBytes.small);
    expect(o([], false).samplerBytes).toBe(256 * 201_088 * 16);
    // fewer sequences capture fewer graphs: 32 of 256
    expect(o(['--max-num-seqs', '32']).cudaGraphBytes).toBe(Math.round((32 / 256) * OVERHEAD.cudaGraphBytes.large));
  });

  it('keeps a dense model on the V1 runner with a flag the V2 runner does not support, as vLLM does', () => {
    // vllm/config/vllm.py _get_v2_model_runner_unsupported_features (main 6adad087): ngram speculative decoding and
    // methods other than eagle, eagle3, mtp, dflash and dspark, and custom logits processors
    const llama = MODELS['meta-llama/Llama-3.1-8B-Instruct']!;
    const o = (args: string[]) => runtimeOverhead(llama, { largeBatchDefaults: true, gpus: 1, flags: runtimeFlags(args) });
    expect(o([]).runner).toBe('v2');
    for (const args of [['--speculative-config', '{"method":"ngram","num_speculative_tokens":4}'], ['-sc={"method":"suffix"}'], ['--speculative-config', 'not json'], ['--logits-processors', 'acme.Proc'], ['--logits_processors', 'acme.Proc']]) {
      expect(o(args).runner, args.join(' ')).toBe('v1');
      // V1: the sampler warm-up in its profile and CUDA graphs inside the budget
      expect(o(args).samplerBytes).toBe(1024 * 128_256 * 16);
      expect(o(args).cudaGraphBytes).toBe(OVERHEAD.cudaGraphBytes.large);
    }
    for (const args of [['--speculative-config', '{"method":"eagle3","model":"x"}'], ['--speculative_config={"method": "mtp"}']]) expect(o(args).runner, args.join(' ')).toBe('v2');
  });

  it('reads the flags with underscores as vLLM does (argparse takes both spellings)', () => {
    expect(runtimeFlags(['--max_num_seqs', '64', '--max_num_batched_tokens=4096', '--enforce_eager', '--performance_mode', 'throughput'])).toEqual({ maxNumSeqs: 64, maxNumBatchedTokens: 4096, enforceEager: true, throughputMode: true, v1Only: false });
  });

  it('grows the V2 activation with a batch budget above the default (the forward pass scales with the batched tokens)', () => {
    const llama = MODELS['meta-llama/Llama-3.1-8B-Instruct']!;
    const o = (args: string[], large = true) => runtimeOverhead(llama, { largeBatchDefaults: large, gpus: 1, flags: runtimeFlags(args) });
    const penalty = (seqs: number) => seqs * 128_256 * 4;
    expect(o([]).activationBytes).toBe(Math.round(1.1 * GIB) + penalty(1024));
    // 32768 tokens = 4 x the large default of 8192
    expect(o(['--max-num-batched-tokens', '32768']).activationBytes).toBe(4 * Math.round(1.1 * GIB) + penalty(1024));
    // below the default: no less than the default's
    expect(o(['--max-num-batched-tokens', '1024']).activationBytes).toBe(Math.round(1.1 * GIB) + penalty(1024));
    // the small default is 2048: 8192 is 4 x it
    expect(o(['--max-num-batched-tokens', '8192'], false).activationBytes).toBe(4 * Math.round(1.1 * GIB) + penalty(256));
  });

  it('doubles the batch defaults it was not given under --performance-mode throughput, as vLLM does', () => {
    // vllm/engine/arg_utils.py (main@6adad087): "If throughput mode is set, double max_num_batched_tokens and
    // max_num_seqs", each only when the user did not set it.
    const arch = MODELS['openai/gpt-oss-20b']!;
    const o = (args: string[], large = true) => runtimeOverhead(arch, { largeBatchDefaults: large, gpus: 1, flags: runtimeFlags(args) });
    for (const args of [['--performance-mode', 'throughput'], ['--performance-mode=throughput']]) {
      expect(o(args).maxNumSeqs).toBe(2048);
      expect(o(args).maxNumBatchedTokens).toBe(16384);
      expect(o(args).samplerBytes).toBe(2048 * 201_088 * 16);
      expect(o(args).prefillBytes).toBe(16384 * 2880 * 40);
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
    expect(usableMemoryBytes(GPUS['rtx-pro-6000-96gb']!)).toBe(Math.floor(94.97 * GIB)); // 96 GiB of GDDR7: the decimal reading was 7% short
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
