/**
 * The capacity planner: will a model fit its GPUs, and how many full-length sequences can it serve at once?
 * Calibrated against public vLLM start-up reports (test/fixtures/vllm-startup-reports.ts, test/catalog/calibration.test.ts)
 * and modelled on the pinned vLLM (0.27.1); README "Capacity planner" shows the formulas, the table and its errors.
 *
 * Per GPU of one replica (tensor parallel TP, pipeline parallel PP):
 *   memory         = what vLLM sees of the GPU (catalog/gpus.ts `usableMemoryBytes`: the logged figure, else nominal - 2%)
 *   weights        = by parameter class / (TP x PP): 16-bit checkpoints at 2 bytes a parameter; quantised ones at
 *                    their format's bytes, except embeddings and lm_head, which stay 16-bit (vocab x hidden, twice
 *                    unless tied); MXFP4 checkpoints at their published bytes x 1.09 (loaded 6-13% above them)
 *   runner         = vLLM's V2 model runner for dense models (0.27 on), else V1 (mixtures of experts, unknown ones)
 *   overhead (V2)  = non-torch (0.25 GiB; with TP or PP > 1 2.25 GiB over NVLink, 0.5 GiB over PCIe)
 *                  + activation 1.1 GiB (x max_num_batched_tokens / its default, when above) + penalty counts
 *                    max_num_seqs x vocabulary x 4 B (+ a PP term) + a 0.25 GiB margin; CUDA graphs outside the budget
 *   overhead (V1)  = non-torch (0.25 GiB; 2.25 GiB with TP or PP > 1, 0.75 before 0.12)
 *                  + max(sampler warm-up: max_num_seqs x vocabulary x 16 B (40 B before 0.17),
 *                        forward pass: max_num_batched_tokens x hidden x 40 B)
 *                  + CUDA graphs (counted inside the budget from 0.20.1): 2 GiB / 1 GiB x min(1, max_num_seqs / 256)
 *                  + a 0.25 GiB margin
 *                    (vLLM's batch defaults: 1024 sequences / 8192 tokens on GPUs of 70 GiB or more except A100, else
 *                    256 / 2048; `--max-num-seqs`, `--max-num-batched-tokens` override; `--performance-mode
 *                    throughput` doubles the defaults not given; `--enforce-eager` captures no graphs)
 *   KV per token   = 2 (K and V) x layers / PP x KV heads per GPU x head dim x KV dtype bytes,
 *                    KV heads per GPU = KV heads / TP, or 1 when TP > KV heads (heads are replicated)
 *   KV cache       = memory x gpuMemoryUtilization - overhead - weights
 *   KV capacity    = KV cache / KV per token          (tokens)
 *   full sequences = KV capacity / maxModelLen
 *   outside budget = memory x (1 - gpuMemoryUtilization) - CUDA context - CUDA graphs captured outside the budget
 *
 * "Likely" figures are what vLLM will probably log ("Available KV cache memory"): the same sum without the margin and
 * with MXFP4 at the low end (x 1.06). Sliding-window layers (gpt-oss) are counted as full attention, which
 * overstates their KV cache per token: safe. `vllmVersion` plans another release's terms, for the calibration only.
 */
import type { PoolDevice } from './gpus';
import { MODELS, type ModelArchitecture } from './models';

export const GIB = 1024 ** 3;

/** The vLLM release the overhead model follows. */
export const PINNED_VLLM = '0.27.1';

export const QUANTIZATIONS = ['none', 'fp8', 'awq', 'gptq', 'mxfp4'] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];
export const KV_CACHE_DTYPES = ['auto', 'fp8'] as const;
export type KvCacheDtype = (typeof KV_CACHE_DTYPES)[number];

/**
 * Bytes per weight of the linear layers by format; 4-bit formats carry group scales (about half a bit per weight),
 * FP8 per-channel scales (Llama 3.3 70B FP8 loads 67.72 GiB; this gives 67.79).
 */
const BYTES_PER_WEIGHT = { bf16: 2, fp16: 2, fp32: 2, fp8: 1.002, 'awq-int4': 0.53, 'gptq-int4': 0.53, mxfp4: 0.5625 } as const;

/** MXFP4 weights loaded, per byte of checkpoint: gpt-oss-120b's 60.7 GiB load as 64.38-65.97 GiB (x 1.06-1.09). */
export const MXFP4_LOAD_FACTOR = { planned: 1.09, likely: 1.06 } as const;

/** Share of parameters counted at 16 bit in a quantised model whose vocabulary or hidden size is not given. */
export const UNKNOWN_EMBEDDING_SHARE = 0.15;

/** Vocabulary assumed for the sampler warm-up when a model does not give its own (larger than any catalogued). */
export const UNKNOWN_VOCAB = 262_144;

/** Parameters of the input embeddings and lm_head (one matrix when tied); undefined when not known. */
export function embeddingParameters(arch: ModelArchitecture): number | undefined {
  if (arch.vocabSize === undefined || arch.hiddenSize === undefined) return undefined;
  return arch.vocabSize * arch.hiddenSize * (arch.tiedEmbeddings ? 1 : 2);
}

/** The checkpoint format a quantisation needs; undefined when it quantises a 16-bit checkpoint at load (fp8). */
export const PREQUANTIZED_FORMAT: Partial<Record<Quantization, string>> = { awq: 'awq-int4', gptq: 'gptq-int4', mxfp4: 'mxfp4' };

/** Minimum compute capability of each quantisation's kernels. */
export const MIN_COMPUTE_CAPABILITY: Record<Quantization, number> = { none: 0, fp8: 8.9, awq: 7.5, gptq: 6.0, mxfp4: 8.0 };

/** The quantisation a checkpoint implies when none is given. */
export function impliedQuantization(arch: ModelArchitecture): Quantization {
  switch (arch.checkpoint) {
    case 'fp8':
      return 'fp8';
    case 'awq-int4':
      return 'awq';
    case 'gptq-int4':
      return 'gptq';
    case 'mxfp4':
      return 'mxfp4';
    default:
      return 'none';
  }
}

export interface PlanInput {
  readonly arch: ModelArchitecture;
  /** Memory of one GPU (or MIG slice, or time-slice share), bytes. */
  readonly gpuMemoryBytes: number;
  readonly tensorParallel: number;
  readonly pipelineParallel: number;
  readonly quantization: Quantization;
  readonly kvCacheDtype: KvCacheDtype;
  readonly maxModelLen: number;
  readonly gpuMemoryUtilization: number;
  /** Whether vLLM runs its larger batch defaults (PoolDevice.largeBatchDefaults); default: from the memory alone. */
  readonly largeBatchDefaults?: boolean;
  /** Whether the GPUs are linked by NVLink (PoolDevice.nvlink): all-reduce buffers with TP > 1; default true (the larger). */
  readonly nvlink?: boolean;
  /** Server flags; those in `runtimeFlags` change the overhead. */
  readonly extraArgs?: readonly string[];
  /** The vLLM release to model; default the pinned one. Only the calibration against older reports sets it. */
  readonly vllmVersion?: string;
}

export interface Plan {
  readonly gpusPerReplica: number;
  readonly weightBytesTotal: number;
  readonly weightBytesPerGpu: number;
  readonly kvBytesPerTokenPerGpu: number;
  /** GPU memory x gpuMemoryUtilization, per GPU. */
  readonly budgetBytesPerGpu: number;
  readonly overhead: Overhead;
  /** Budget less overhead, per GPU: what weights and KV cache share. */
  readonly usableBytesPerGpu: number;
  /** Memory left for the KV cache per GPU (negative when the weights do not fit). */
  readonly kvCacheBytesPerGpu: number;
  /** Tokens the KV cache holds across the replica (0 when the weights do not fit). */
  readonly kvCapacityTokens: number;
  /** maxModelLen-long sequences that fit at once. */
  readonly fullLengthSequences: number;
  /** The longest maxModelLen that fits one sequence (capped at the model's limit; 0 when nothing fits). */
  readonly largestMaxModelLen: number;
  /** Memory left per GPU after weights and one full-length sequence (negative when short). */
  readonly headroomBytesPerGpu: number;
  /** What vLLM will likely log as "Available KV cache memory", per GPU (planned figure plus the safety it leaves out). */
  readonly likelyKvCacheBytesPerGpu: number;
  /** What vLLM will likely log as "GPU KV cache size", tokens. */
  readonly likelyKvCapacityTokens: number;
  /**
   * Memory per GPU outside the budget once the CUDA context and the CUDA graphs vLLM captures outside it are taken:
   * what its sampler warm-up after the KV cache is sized has (negative when short).
   */
  readonly outsideBudgetBytesPerGpu: number;
  /**
   * What the sampler takes after the KV cache is sized, from the memory outside the budget: max_num_seqs x vocabulary
   * x 9 B (`SAMPLER_WARMUP_BYTES_PER_SEQ_PER_VOCAB`): V1's warm-up, or V2's first batch with sampling settings.
   */
  readonly samplerWarmupBytes: number;
}

/** The CUDA context and library handles outside torch's view before vLLM starts (0.51 GiB alone, 1.53-2.01 GiB with TP 2-4 in vLLM 0.19 logs). */
export const CUDA_CONTEXT_BYTES = { single: 0.5 * GIB, parallel: 1.5 * GIB } as const;

/**
 * Bytes per sequence per vocabulary entry the sampler takes after the KV cache is sized (FP32 logits, a copy, and
 * some work space): between the reports, the one that failed (gpt-oss-20b on vLLM 0.19: 1.61 GiB of room for
 * 1024 x 201,088, at least 8.4 B) and the one that started (gpt-oss-120b on vLLM 0.11: about 1.65 GiB, at most 8.6 B),
 * rounded up.
 */
export const SAMPLER_WARMUP_BYTES_PER_SEQ_PER_VOCAB = 9;

/** Bytes of the published checkpoint (what is downloaded): its stated size, else the loaded size of its own format. */
export function checkpointFileBytes(arch: ModelArchitecture): number {
  return arch.checkpointBytes ?? weightBytes(arch, impliedQuantization(arch));
}

/** Bytes the weights take on the GPUs once loaded (all GPUs of a replica together). */
export function weightBytes(arch: ModelArchitecture, quantization: Quantization, estimate: 'planned' | 'likely' = 'planned'): number {
  const requantized = quantization === 'fp8' && arch.checkpoint !== 'fp8';
  if (!requantized && arch.checkpointBytes !== undefined) {
    return Math.ceil(arch.checkpointBytes * (arch.checkpoint === 'mxfp4' ? MXFP4_LOAD_FACTOR[estimate] : 1));
  }
  const format = requantized ? 'fp8' : arch.checkpoint;
  const perWeight = BYTES_PER_WEIGHT[format];
  if (perWeight >= 2) return Math.ceil(arch.parameters * perWeight);
  const embeddings = Math.min(arch.parameters, embeddingParameters(arch) ?? arch.parameters * UNKNOWN_EMBEDDING_SHARE);
  return Math.ceil((arch.parameters - embeddings) * perWeight + embeddings * 2);
}

/** vLLM's batch defaults for the API server (vllm/engine/arg_utils.py `get_batch_defaults`). */
export const BATCH_DEFAULTS = {
  large: { maxNumSeqs: 1024, maxNumBatchedTokens: 8192 },
  small: { maxNumSeqs: 256, maxNumBatchedTokens: 2048 },
} as const;

/** A vLLM release as numbers; unreadable parts are taken as the pinned release's (the modelled behaviour). */
export function vllmRelease(version: string = PINNED_VLLM): readonly [number, number, number] {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(version) ?? /(\d+)\.(\d+)(?:\.(\d+))?/.exec(PINNED_VLLM)!;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function atLeast(version: string | undefined, major: number, minor: number, patch = 0): boolean {
  const [a, b, c] = vllmRelease(version);
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
}

/**
 * The model runner vLLM uses. In 0.27 dense text models run on the V2 runner (vllm/config/vllm.py
 * `use_v2_model_runner`: "Enable by default for all dense models", vllm-project/vllm#44443, 2026-07-02, before the
 * 0.27.0 cut; Qwen3 and then Llama and Mistral defaulted to it from May and June, and the corpus has no report of
 * 0.21-0.26, so earlier releases are planned on V1); the catalogue's mixtures of experts (gpt-oss, Mixtral) stay on V1
 * (vLLM moves a few other MoE architectures to V2; none is in the catalogue). A model that does not say whether it is a
 * mixture of experts is planned on V1 (more overhead). Features V2 lacks (speculative methods such as ngram, custom
 * logits processors) send a dense model back to V1: `runtimeFlags` reads them from extraArgs (`v1Only`).
 */
export function modelRunner(arch: Pick<ModelArchitecture, 'mixtureOfExperts'>, vllmVersion: string = PINNED_VLLM): 'v1' | 'v2' {
  return atLeast(vllmVersion, 0, 27) && arch.mixtureOfExperts === false ? 'v2' : 'v1';
}

/**
 * Whether vLLM counts CUDA-graph memory before sizing the KV cache: the V1 runner from 0.20.1 on
 * (`VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS`, on by default; 0.20.1 logs "CUDA graph memory profiling is enabled");
 * never the V2 runner (its `profile_cudagraph_memory` returns 0: graphs come out of the memory outside the budget).
 */
export function countsCudaGraphs(vllmVersion: string = PINNED_VLLM, runner: 'v1' | 'v2' = 'v1'): boolean {
  return runner === 'v1' && atLeast(vllmVersion, 0, 20, 1);
}

/** The flags of `extraArgs` that change vLLM's memory use. */
export interface RuntimeFlags {
  readonly maxNumSeqs?: number;
  readonly maxNumBatchedTokens?: number;
  readonly enforceEager: boolean;
  /** `--performance-mode throughput`: vLLM doubles each batch default the user did not set. */
  readonly throughputMode: boolean;
  /**
   * Flags with which vLLM keeps even a dense model on its V1 runner (`_get_v2_model_runner_unsupported_features` at
   * main 6adad087): a speculative method other than eagle, eagle3, mtp, dflash and dspark (ngram, or one that cannot be
   * read), custom logits processors.
   */
  readonly v1Only: boolean;
}

/**
 * Reads `--max-num-seqs`, `--max-num-batched-tokens` (as `--flag N` or `--flag=N`), `--enforce-eager` and
 * `--performance-mode throughput`.
 */
export function runtimeFlags(extraArgs: readonly string[] = []): RuntimeFlags {
  // vLLM's argparse takes `--max_num_seqs` for `--max-num-seqs`: compare the flag names with dashes
  const name = (a: string) => (a.startsWith('--') ? `--${a.slice(2).split('=')[0]!.replace(/_/g, '-')}` : a.split('=')[0]!);
  const text = (flag: string): string | undefined => {
    for (let i = 0; i < extraArgs.length; i++) {
      const a = extraArgs[i]!;
      if (name(a) !== flag) continue;
      const eq = a.indexOf('=');
      return eq >= 0 ? a.slice(eq + 1) : extraArgs[i + 1];
    }
    return undefined;
  };
  const value = (flag: string): number | undefined => {
    const raw = text(flag);
    return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
  };
  const eager = extraArgs.find((a) => name(a) === '--enforce-eager');
  const speculative = text('--speculative-config') ?? text('-sc');
  return {
    maxNumSeqs: value('--max-num-seqs'),
    maxNumBatchedTokens: value('--max-num-batched-tokens'),
    enforceEager: eager !== undefined && (!eager.includes('=') || eager.endsWith('=true')),
    throughputMode: text('--performance-mode') === 'throughput',
    v1Only: (speculative !== undefined && !V2_SPECULATIVE_METHODS.includes(speculativeMethod(speculative) ?? '')) || text('--logits-processors') !== undefined,
  };
}

/** Speculative methods vLLM's V2 runner supports (`_get_v2_model_runner_unsupported_features` at main 6adad087). */
const V2_SPECULATIVE_METHODS: readonly string[] = ['eagle', 'eagle3', 'mtp', 'dflash', 'dspark'];

/** The `method` of a `--speculative-config` JSON value; undefined when it cannot be read (planned on V1: the larger). */
function speculativeMethod(json: string): string | undefined {
  try {
    const v: unknown = JSON.parse(json);
    return v !== null && typeof v === 'object' && 'method' in v && typeof v.method === 'string' ? v.method : undefined;
  } catch {
    return undefined;
  }
}

/** The overhead model's constants (see the header; each an envelope of the corpus, rounded up). */
export const OVERHEAD = {
  /**
   * Non-torch memory: CUDA libraries; with TP or PP > 1 also NCCL and all-reduce buffers: 2.06-2.21 GiB on H100 SXM at
   * vLLM 0.19 (0.55 GiB at 0.11; planned from 0.12 on: the release that changed it is not known); over PCIe without
   * NVLink a 0.27.1 TP 2 report kept 1.66 GiB for this and its activations together.
   */
  nonTorchBytes: { single: 0.25 * GIB, parallelBefore012: 0.75 * GIB, parallel: 2.25 * GIB, parallelPcie: 0.5 * GIB },
  /**
   * V1 runner: its memory profile warms the sampler up with max_num_seqs requests (top-k/top-p sort), bytes per
   * sequence per vocabulary entry: 39 at vLLM 0.11 (H100, four models), 14-15.5 from 0.17 (0.17-0.19 on H100).
   */
  samplerBytesPerSeqPerVocab: { before017: 40, since017: 16 },
  /** Forward activations of a max_num_batched_tokens batch, bytes per token per hidden unit (V1). */
  forwardBytesPerTokenPerHidden: 40,
  /**
   * V2 runner (dense models from 0.27): its profile skips top-k/top-p; it keeps `output_bin_counts`, max_num_seqs x
   * vocabulary x 4 B (sample/penalties.py), inside the budget; the rest of what the 0.27.1-0.28.0 reports kept besides
   * weights, KV cache and non-torch memory (0.1-1.45 GiB with 256 sequences) is planned at 1.1 GiB, scaled up with a
   * max_num_batched_tokens above the default (the forward pass grows with it).
   */
  v2ActivationBytes: Math.round(1.1 * GIB),
  v2PenaltyBytesPerSeqPerVocab: 4,
  /**
   * V2 with pipeline parallel, bytes per batched token per hidden unit: the first stage of a 0.27.1 report kept
   * 1.36 GiB more than the TP 2 run of the same model (8192 tokens x 5120 hidden: 34.8 B).
   */
  v2PipelineBytesPerTokenPerHidden: 36,
  /** CUDA graphs at 256 sequences or more (fewer sequences capture fewer graphs: scaled down); largest seen 1.84 / 1.0 GiB. */
  cudaGraphBytes: { large: 2 * GIB, small: GIB },
  marginBytes: 0.25 * GIB,
} as const;

export interface Overhead {
  readonly runner: 'v1' | 'v2';
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly nonTorchBytes: number;
  /** The sampler's warm-up during the memory profile. */
  readonly samplerBytes: number;
  /** Forward activations of one max_num_batched_tokens batch. */
  readonly prefillBytes: number;
  /** The profile's peak: V1 max(sampler, forward) (they run one after the other); V2 its activation term and penalty counts. */
  readonly activationBytes: number;
  /** CUDA graphs counted inside the budget (0 where vLLM captures them outside it). */
  readonly cudaGraphBytes: number;
  /** CUDA graphs vLLM will capture, counted or not (0 with --enforce-eager). */
  readonly cudaGraphEstimateBytes: number;
  readonly marginBytes: number;
  /** nonTorch + activation + CUDA graphs + margin, per GPU. */
  readonly totalBytes: number;
}

/** vLLM's memory per GPU besides weights and KV cache, at the pinned version (or `vllmVersion`, for calibration). */
export function runtimeOverhead(
  arch: ModelArchitecture,
  o: { largeBatchDefaults: boolean; nvlink?: boolean; gpus: number; pipelineParallel?: number; flags: RuntimeFlags; vllmVersion?: string },
): Overhead {
  const runner = o.flags.v1Only ? 'v1' : modelRunner(arch, o.vllmVersion);
  const defaults = o.largeBatchDefaults ? BATCH_DEFAULTS.large : BATCH_DEFAULTS.small;
  // vllm/engine/arg_utils.py: throughput mode doubles each default the user did not set
  const modeFactor = o.flags.throughputMode ? 2 : 1;
  const maxNumSeqs = o.flags.maxNumSeqs ?? defaults.maxNumSeqs * modeFactor;
  const maxNumBatchedTokens = o.flags.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens * modeFactor;
  const parallel = o.gpus > 1;
  const nonTorchBytes = !parallel
    ? OVERHEAD.nonTorchBytes.single
    : o.nvlink === false && runner === 'v2'
      ? OVERHEAD.nonTorchBytes.parallelPcie
      : atLeast(o.vllmVersion, 0, 12)
        ? OVERHEAD.nonTorchBytes.parallel
        : OVERHEAD.nonTorchBytes.parallelBefore012;
  const perVocab = atLeast(o.vllmVersion, 0, 17) ? OVERHEAD.samplerBytesPerSeqPerVocab.since017 : OVERHEAD.samplerBytesPerSeqPerVocab.before017;
  const samplerBytes = runner === 'v1' ? maxNumSeqs * (arch.vocabSize ?? UNKNOWN_VOCAB) * perVocab : 0;
  const prefillBytes = runner === 'v1' ? maxNumBatchedTokens * (arch.hiddenSize ?? 8192) * OVERHEAD.forwardBytesPerTokenPerHidden : 0;
  const activationBytes =
    runner === 'v1'
      ? Math.max(samplerBytes, prefillBytes)
      : Math.round(OVERHEAD.v2ActivationBytes * Math.max(1, maxNumBatchedTokens / defaults.maxNumBatchedTokens)) +
        maxNumSeqs * (arch.vocabSize ?? UNKNOWN_VOCAB) * OVERHEAD.v2PenaltyBytesPerSeqPerVocab +
        (o.pipelineParallel && o.pipelineParallel > 1 ? maxNumBatchedTokens * (arch.hiddenSize ?? 8192) * OVERHEAD.v2PipelineBytesPerTokenPerHidden : 0);
  // fewer sequences capture fewer graph sizes (0.20.1 at 32 sequences: 0.09-0.16 GiB)
  const graphShare = Math.min(1, maxNumSeqs / 256);
  const cudaGraphEstimateBytes = o.flags.enforceEager ? 0 : Math.round(graphShare * (o.largeBatchDefaults ? OVERHEAD.cudaGraphBytes.large : OVERHEAD.cudaGraphBytes.small));
  const cudaGraphBytes = countsCudaGraphs(o.vllmVersion, runner) ? cudaGraphEstimateBytes : 0;
  const marginBytes = OVERHEAD.marginBytes;
  return {
    runner,
    maxNumSeqs,
    maxNumBatchedTokens,
    nonTorchBytes,
    samplerBytes,
    prefillBytes,
    activationBytes,
    cudaGraphBytes,
    cudaGraphEstimateBytes,
    marginBytes,
    totalBytes: Math.ceil(nonTorchBytes + activationBytes + cudaGraphBytes + marginBytes),
  };
}

/**
 * Bytes an engine downloads into its cache for a model. TGI downloads every root-level `*.safetensors` of the repo
 * (models.ts, `repoSafetensorsBytes`). vLLM downloads one set: with load format "auto" it picks the Mistral
 * format (only `consolidated*.safetensors`) when the repo has one, else the first pattern that matches
 * (vllm/model_executor/model_loader/default_loader.py `_prepare_weights`, weight_utils.py
 * `download_weights_from_hf`). Ollama pulls its own 4-bit build, smaller than this.
 */
export function downloadBytes(engine: 'vllm' | 'tgi' | 'ollama', m: Pick<ModelServing, 'model' | 'architecture'>): number {
  const arch = architectureOf(m);
  if (!arch) throw new Error(`${m.model} is not in the model catalogue and has no architecture`);
  const weights = checkpointFileBytes(arch);
  // An architecture: block describes a model outside the catalogue, whose repo's files are not known.
  const repo = m.architecture ? undefined : MODELS[m.model]?.repoSafetensorsBytes;
  return engine === 'tgi' ? Math.max(weights, repo ?? 0) : weights;
}

/**
 * Bytes a prefetch Job fetches for a shared cache (issue 17): every root-level safetensors set of the repo, as TGI
 * downloads (a consolidated copy included: vLLM's auto format prefers it when the repo has one, and the Job cannot
 * know which the engine picks), one set elsewhere.
 */
export function prefetchBytes(m: Pick<ModelServing, 'model' | 'architecture'>): number {
  return downloadBytes('tgi', m);
}

export function plan(i: PlanInput): Plan {
  const gpus = i.tensorParallel * i.pipelineParallel;
  const weightBytesTotal = weightBytes(i.arch, i.quantization);
  const weightBytesPerGpu = Math.ceil(weightBytesTotal / gpus);
  const kvHeadsPerGpu = Math.max(1, i.arch.kvHeads / i.tensorParallel);
  const kvDtypeBytes = i.kvCacheDtype === 'fp8' ? 1 : 2;
  const kvBytesPerTokenPerGpu = Math.ceil(2 * (i.arch.layers / i.pipelineParallel) * kvHeadsPerGpu * i.arch.headDim * kvDtypeBytes);
  const budgetBytesPerGpu = Math.floor(i.gpuMemoryBytes * i.gpuMemoryUtilization);
  const overhead = runtimeOverhead(i.arch, {
    largeBatchDefaults: i.largeBatchDefaults ?? i.gpuMemoryBytes >= 70 * GIB,
    nvlink: i.nvlink,
    gpus,
    pipelineParallel: i.pipelineParallel,
    flags: runtimeFlags(i.extraArgs),
    vllmVersion: i.vllmVersion,
  });
  const usableBytesPerGpu = budgetBytesPerGpu - overhead.totalBytes;
  const kvCacheBytesPerGpu = usableBytesPerGpu - weightBytesPerGpu;
  const kvCapacityTokens = kvCacheBytesPerGpu > 0 ? Math.floor(kvCacheBytesPerGpu / kvBytesPerTokenPerGpu) : 0;
  const likelyWeightsPerGpu = Math.ceil(weightBytes(i.arch, i.quantization, 'likely') / gpus);
  const likelyKvCacheBytesPerGpu = kvCacheBytesPerGpu + overhead.marginBytes + (weightBytesPerGpu - likelyWeightsPerGpu);
  return {
    gpusPerReplica: gpus,
    weightBytesTotal,
    weightBytesPerGpu,
    kvBytesPerTokenPerGpu,
    budgetBytesPerGpu,
    overhead,
    usableBytesPerGpu,
    kvCacheBytesPerGpu,
    kvCapacityTokens,
    fullLengthSequences: Math.floor(kvCapacityTokens / i.maxModelLen),
    largestMaxModelLen: Math.min(kvCapacityTokens, i.arch.maxPositionEmbeddings),
    headroomBytesPerGpu: kvCacheBytesPerGpu - i.maxModelLen * kvBytesPerTokenPerGpu,
    likelyKvCacheBytesPerGpu,
    likelyKvCapacityTokens: likelyKvCacheBytesPerGpu > 0 ? Math.floor(likelyKvCacheBytesPerGpu / kvBytesPerTokenPerGpu) : 0,
    outsideBudgetBytesPerGpu:
      i.gpuMemoryBytes - budgetBytesPerGpu - (gpus > 1 ? CUDA_CONTEXT_BYTES.parallel : CUDA_CONTEXT_BYTES.single) - (overhead.cudaGraphEstimateBytes - overhead.cudaGraphBytes),
    samplerWarmupBytes: overhead.maxNumSeqs * (i.arch.vocabSize ?? UNKNOWN_VOCAB) * SAMPLER_WARMUP_BYTES_PER_SEQ_PER_VOCAB,
  };
}

/**
 * What must fit outside the budget besides the CUDA context and graphs: the sampler's FP32 logits, for the V2 runner
 * (its first sampled batch) and for a mixture of experts on V1 (its warm-up; dense models on V1 started with less
 * room in the reports).
 */
export function afterKvSamplerBytes(p: Plan, arch: Pick<ModelArchitecture, 'mixtureOfExperts'>): number {
  return p.overhead.runner === 'v2' || arch.mixtureOfExperts !== false ? p.samplerWarmupBytes : 0;
}

/** Bytes as GiB with one decimal, for messages and reports. */
export const gib = (bytes: number): string => `${(bytes / GIB).toFixed(1)} GiB`;

/** What the planner reads of a model server entry. */
export interface ModelServing {
  readonly model: string;
  readonly architecture?: ModelArchitecture;
  readonly tensorParallel: number;
  readonly pipelineParallel: number;
  readonly quantization?: Quantization;
  readonly kvCacheDtype: KvCacheDtype;
  readonly maxModelLen?: number;
  readonly gpuMemoryUtilization: number;
  readonly extraArgs?: readonly string[];
}

/** A model's architecture: its `architecture:` block, else the catalogue's entry, else undefined. */
export function architectureOf(m: Pick<ModelServing, 'model' | 'architecture'>): ModelArchitecture | undefined {
  return m.architecture ?? MODELS[m.model];
}

/** The settings a server runs with once defaults are applied (quantisation from the checkpoint, full context). */
export function effectiveServing(m: ModelServing, arch: ModelArchitecture): { quantization: Quantization; maxModelLen: number } {
  return { quantization: m.quantization ?? impliedQuantization(arch), maxModelLen: m.maxModelLen ?? arch.maxPositionEmbeddings };
}

/** The plan of a model server on one schedulable device of its pool. */
export function planServing(m: ModelServing, arch: ModelArchitecture, device: PoolDevice): Plan {
  const eff = effectiveServing(m, arch);
  return plan({
    arch,
    gpuMemoryBytes: device.memoryBytes,
    tensorParallel: m.tensorParallel,
    pipelineParallel: m.pipelineParallel,
    quantization: eff.quantization,
    kvCacheDtype: m.kvCacheDtype,
    maxModelLen: eff.maxModelLen,
    gpuMemoryUtilization: m.gpuMemoryUtilization,
    largeBatchDefaults: device.largeBatchDefaults,
    nvlink: device.nvlink,
    extraArgs: m.extraArgs,
  });
}
