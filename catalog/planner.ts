/**
 * The capacity planner: will a model fit its GPUs, and how many full-length sequences can it serve at once?
 *
 * Per GPU of one replica (tensor parallel TP, pipeline parallel PP):
 *   weights        = parameters x bytes per weight / (TP x PP)
 *   KV per token   = 2 (K and V) x layers / PP x KV heads per GPU x head dim x KV dtype bytes,
 *                    KV heads per GPU = KV heads / TP, or 1 when TP > KV heads (heads are replicated)
 *   usable         = GPU memory x gpuMemoryUtilization - runtime overhead
 *   KV capacity    = (usable - weights) / KV per token          (tokens)
 *   full sequences = KV capacity / maxModelLen
 *
 * GPU memory is the catalogue's nominal decimal GB (80 GB = 80e9 bytes), a little below what the driver reports,
 * so the planner errs on the safe side by a few percent. Sliding-window layers (gpt-oss) are counted as full
 * attention, which overstates their KV cache: safe as well.
 */
import type { PoolDevice } from './gpus';
import { MODELS, type ModelArchitecture } from './models';

export const GIB = 1024 ** 3;

/** Per GPU: CUDA context, NCCL buffers, activations at the default batch token budget, CUDA graphs. */
export const RUNTIME_OVERHEAD_BYTES = 2 * GIB;

export const QUANTIZATIONS = ['none', 'fp8', 'awq', 'gptq', 'mxfp4'] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];
export const KV_CACHE_DTYPES = ['auto', 'fp8'] as const;
export type KvCacheDtype = (typeof KV_CACHE_DTYPES)[number];

/** Bytes per weight by format; 4-bit formats carry group scales (about half a bit per weight) and bf16 layers. */
const BYTES_PER_WEIGHT = { bf16: 2, fp16: 2, fp32: 2, fp8: 1, 'awq-int4': 0.5625, 'gptq-int4': 0.5625, mxfp4: 0.5625 } as const;

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
}

export interface Plan {
  readonly gpusPerReplica: number;
  readonly weightBytesTotal: number;
  readonly weightBytesPerGpu: number;
  readonly kvBytesPerTokenPerGpu: number;
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
}

export function weightBytes(arch: ModelArchitecture, quantization: Quantization): number {
  const requantized = quantization === 'fp8' && arch.checkpoint !== 'fp8';
  if (!requantized && arch.checkpointBytes !== undefined) return arch.checkpointBytes;
  const format = requantized ? 'fp8' : arch.checkpoint;
  return Math.ceil(arch.parameters * BYTES_PER_WEIGHT[format]);
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
  const weights = weightBytes(arch, 'none');
  // An architecture: block describes a model outside the catalogue, whose repo's files are not known.
  const repo = m.architecture ? undefined : MODELS[m.model]?.repoSafetensorsBytes;
  return engine === 'tgi' ? Math.max(weights, repo ?? 0) : weights;
}

export function plan(i: PlanInput): Plan {
  const gpus = i.tensorParallel * i.pipelineParallel;
  const weightBytesTotal = weightBytes(i.arch, i.quantization);
  const weightBytesPerGpu = Math.ceil(weightBytesTotal / gpus);
  const kvHeadsPerGpu = Math.max(1, i.arch.kvHeads / i.tensorParallel);
  const kvDtypeBytes = i.kvCacheDtype === 'fp8' ? 1 : 2;
  const kvBytesPerTokenPerGpu = Math.ceil(2 * (i.arch.layers / i.pipelineParallel) * kvHeadsPerGpu * i.arch.headDim * kvDtypeBytes);
  const usableBytesPerGpu = Math.floor(i.gpuMemoryBytes * i.gpuMemoryUtilization) - RUNTIME_OVERHEAD_BYTES;
  const kvCacheBytesPerGpu = usableBytesPerGpu - weightBytesPerGpu;
  const kvCapacityTokens = kvCacheBytesPerGpu > 0 ? Math.floor(kvCacheBytesPerGpu / kvBytesPerTokenPerGpu) : 0;
  return {
    gpusPerReplica: gpus,
    weightBytesTotal,
    weightBytesPerGpu,
    kvBytesPerTokenPerGpu,
    usableBytesPerGpu,
    kvCacheBytesPerGpu,
    kvCapacityTokens,
    fullLengthSequences: Math.floor(kvCapacityTokens / i.maxModelLen),
    largestMaxModelLen: Math.min(kvCapacityTokens, i.arch.maxPositionEmbeddings),
    headroomBytesPerGpu: kvCacheBytesPerGpu - i.maxModelLen * kvBytesPerTokenPerGpu,
  };
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
  });
}
