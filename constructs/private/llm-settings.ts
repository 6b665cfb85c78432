/**
 * Props of an LLM server filled in and checked: the model and the pool from the catalogues, the rest from the
 * capacity planner (catalog/planner.ts, the functions environments/resolve.ts plans environment files with), so a
 * construct user gets the plan an environment file would. A prop that cannot work throws a ConstructPropsError
 * naming the prop, the value and the fix.
 */
import { GPUS, GPU_KEYS, poolDevice, type GpuSpec, type PoolDevice } from '../../catalog/gpus';
import { MODELS, MODEL_IDS, type ModelArchitecture } from '../../catalog/models';
import { downloadBytes, gib, impliedQuantization, plan, weightBytes, type KvCacheDtype, type Plan, type Quantization } from '../../catalog/planner';
import { outsideBudgetFinding } from '../../catalog/outside-budget';
import type { Construct } from '../../lib/cdktf';
import {
  DEFAULT_GPU_MEMORY_UTILIZATION,
  DEFAULT_MIN_CONTEXT_TOKENS,
  DEFAULT_MODELS_NAMESPACE,
  type GpuPoolRef,
  type HubModelServerProps,
  type LlmServerSettings,
  type ModelLoadingProps,
  type ModelServerBaseProps,
  type OllamaServerProps,
} from '../llm-server-props';
import { ConstructPropsError } from '../props-error';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const OLLAMA_TAG = /^[a-z0-9][\w.:/-]*$/;

/** A DNS label from a model id: its last segment, lowercased, other characters as '-', at most 63 characters. */
export function nameFromModel(model: string): string {
  const last = model.split('/').pop() ?? model;
  return last.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').slice(0, 63).replace(/^-+|-+$/g, '');
}

/** "1, 2, 4 or 8". */
function orList(xs: readonly (number | string)[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`;
}

/** Divisors of n up to max. */
function divisors(n: number, max: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, max); d++) if (n % d === 0) out.push(d);
  return out;
}

/** A context length suggestion: rounded down to a multiple of 1024 where that leaves something. */
function roundDown(tokens: number): number {
  return tokens >= 2048 ? Math.floor(tokens / 1024) * 1024 : tokens;
}

/** Tensor parallel sizes vLLM accepts for the model: divisors of the attention heads that the KV heads divide or that divide them. */
function validTensorParallel(arch: ModelArchitecture, max: number): number[] {
  return divisors(arch.attentionHeads, max).filter((tp) => arch.kvHeads % tp === 0 || tp % arch.kvHeads === 0);
}

/** Checks and fills in one server's props. */
class Resolver {
  constructor(
    private readonly c: Construct,
    private readonly kind: string,
  ) {}

  fail(prop: string, problem: string): never {
    throw new ConstructPropsError(this.c, this.kind, prop, problem);
  }

  /** The model's architecture, or undefined for a model outside the catalogue when `optional`. */
  arch(p: ModelServerBaseProps, optional = false): ModelArchitecture | undefined {
    const arch = p.architecture ?? MODELS[p.model];
    if (!arch && !optional) {
      this.fail('model', `${JSON.stringify(p.model)} is not in the model catalogue; pass architecture (layers, attentionHeads, kvHeads, headDim, maxPositionEmbeddings, parameters, checkpoint) from its config.json, or use one of: ${MODEL_IDS.join(', ')}`);
    }
    return arch;
  }

  pool(pool: GpuPoolRef): { gpu: GpuSpec; device: PoolDevice; devicesPerNode: number; timeSliced: number } {
    const gpu = typeof pool.gpu === 'string' ? GPUS[pool.gpu] : pool.gpu;
    if (!gpu) this.fail('pool.gpu', `${JSON.stringify(pool.gpu)} is not in the GPU catalogue; use one of: ${GPU_KEYS.join(', ')}`);
    const sharing = pool.sharing ?? { mode: 'none' };
    const device = poolDevice(gpu, sharing);
    if (!device) this.fail('pool.sharing', `${JSON.stringify(sharing)}: no single device to plan for on ${gpu.key} (MIG profiles: ${gpu.migProfiles.map((m) => m.name).join(', ') || 'none'}); use one MIG profile of the GPU, or whole GPUs`);
    const gpusPerNode = pool.gpusPerNode ?? 1;
    if (!Number.isInteger(gpusPerNode) || gpusPerNode < 1) this.fail('pool.gpusPerNode', `${gpusPerNode} is not a GPU count; use a whole number of 1 or more`);
    return { gpu, device, devicesPerNode: gpusPerNode * device.perGpu, timeSliced: sharing.mode === 'time-slicing' ? sharing.replicas : 0 };
  }

  names(p: ModelServerBaseProps, maxLength = 63): { name: string; namespace: string } {
    const name = p.name ?? nameFromModel(p.model);
    if (!DNS_LABEL.test(name) || name.length > maxLength) {
      const suggestion = nameFromModel(name).slice(0, maxLength).replace(/-+$/, '');
      this.fail(p.name === undefined ? 'model' : 'name', `${JSON.stringify(name)} is not a DNS label of at most ${maxLength} characters (lowercase letters, digits and '-', starting and ending with a letter or digit)${p.name === undefined ? ', as the name derived from the model id' : ''}; ${p.name === undefined ? 'pass name' : 'use'} ${JSON.stringify(suggestion || 'model-server')}`);
    }
    const namespace = p.namespace ?? DEFAULT_MODELS_NAMESPACE;
    if (!DNS_LABEL.test(namespace) || namespace.length > 63) this.fail('namespace', `${JSON.stringify(namespace)} is not a DNS label (lowercase letters, digits and '-', at most 63); use e.g. ${JSON.stringify(DEFAULT_MODELS_NAMESPACE)}`);
    return { name, namespace };
  }

  replicas(p: ModelServerBaseProps): number {
    const replicas = p.replicas ?? 1;
    // 0 is a count: a parked server (environment files allow it outside prod), or an autoscaler's floor.
    if (!Number.isInteger(replicas) || replicas < 0) {
      this.fail('replicas', `${replicas} is not a replica count; use a whole number: 1 or more to serve, 0 to keep the server defined without pods`);
    }
    if (p.maxReplicas !== undefined && (!Number.isInteger(p.maxReplicas) || p.maxReplicas < replicas)) {
      this.fail('maxReplicas', `${p.maxReplicas} is below replicas (${replicas}); use a whole number of ${replicas} or more`);
    }
    return replicas;
  }
}

export interface ServingShape {
  /** Whether the server spans nodes (one pipeline stage per node). */
  readonly multiNode: boolean;
  /** Longest name (a multi-node server's group adds `-group`). @default 63 */
  readonly maxNameLength?: number;
}

/** vLLM and TGI: the planner's choices, checked. */
export function hubServerSettings(c: Construct, kind: string, engine: 'vllm' | 'tgi', p: HubModelServerProps & { readonly pipelineParallel?: number; readonly loading?: ModelLoadingProps; readonly otlpTraces?: LlmServerSettings['otlpTraces'] }, shape: ServingShape): LlmServerSettings {
  const r: Resolver = new Resolver(c, kind);
  const { name, namespace } = r.names(p, shape.maxNameLength);
  const arch = r.arch(p)!;
  const pool = r.pool(p.pool);
  const replicas = r.replicas(p);
  const quantization: Quantization = p.quantization ?? impliedQuantization(arch);
  const prequantized = p.prequantized ?? !['bf16', 'fp16', 'fp32'].includes(arch.checkpoint);
  const kvCacheDtype: KvCacheDtype = p.kvCacheDtype ?? 'auto';
  const gpuMemoryUtilization = p.gpuMemoryUtilization ?? (pool.timeSliced ? Number((DEFAULT_GPU_MEMORY_UTILIZATION / pool.timeSliced).toFixed(4)) : DEFAULT_GPU_MEMORY_UTILIZATION);
  if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) r.fail('gpuMemoryUtilization', `${gpuMemoryUtilization} is not a share of GPU memory; use a value above 0 and at most 1, e.g. ${DEFAULT_GPU_MEMORY_UTILIZATION}`);
  // On a time-sliced pool the engine sees the whole GPU and is given its share; the planner plans the share.
  const planUtilization = pool.timeSliced ? gpuMemoryUtilization * pool.timeSliced : gpuMemoryUtilization;
  if (p.maxModelLen !== undefined && (!Number.isInteger(p.maxModelLen) || p.maxModelLen < 256 || p.maxModelLen > arch.maxPositionEmbeddings)) {
    r.fail('maxModelLen', `${p.maxModelLen} is outside what ${p.model} serves; use a whole number from 256 to its limit of ${arch.maxPositionEmbeddings} tokens`);
  }
  const wanted = p.maxModelLen ?? Math.min(arch.maxPositionEmbeddings, DEFAULT_MIN_CONTEXT_TOKENS);
  const planAt = (tp: number, pp: number, maxModelLen: number): Plan =>
    plan({ arch, gpuMemoryBytes: pool.device.memoryBytes, tensorParallel: tp, pipelineParallel: pp, quantization, kvCacheDtype, maxModelLen, gpuMemoryUtilization: planUtilization, largeBatchDefaults: pool.device.largeBatchDefaults, nvlink: pool.device.nvlink, extraArgs: p.extraArgs });
  const fits = (x: Plan) => x.kvCacheBytesPerGpu > 0 && x.fullLengthSequences >= 1;
  const where = `${pool.gpu.key}${pool.device.combinable ? '' : ' share'} (${gib(pool.device.memoryBytes)})`;
  const usable = (x: Plan) => `${gib(x.usableBytesPerGpu)} usable per GPU of ${where} at gpuMemoryUtilization ${gpuMemoryUtilization}`;

  // Tensor parallel inside one node (whole GPUs only when more than one); pipeline parallel in or across nodes.
  const maxTp = pool.device.combinable ? pool.devicesPerNode : 1;
  const allowedTp = validTensorParallel(arch, maxTp);
  const poolText = `pool "${p.pool.name}" (${pool.devicesPerNode} ${pool.device.combinable ? 'GPUs' : 'GPU shares, one usable per pod,'} per node)`;
  const checkTp = (tp: number, pp: number) => {
    if (!Number.isInteger(tp) || tp < 1) r.fail('tensorParallel', `${tp} is not a GPU count; use ${orList(allowedTp)}`);
    if (arch.attentionHeads % tp !== 0) r.fail('tensorParallel', `${tp} does not divide the model's ${arch.attentionHeads} attention heads; use ${orList(allowedTp)}`);
    if (arch.kvHeads % tp !== 0 && tp % arch.kvHeads !== 0) r.fail('tensorParallel', `${tp} and the model's ${arch.kvHeads} KV heads do not divide one another; use ${orList(allowedTp)}`);
    const perPod = shape.multiNode ? tp : tp * pp;
    if (perPod > 1 && !pool.device.combinable) r.fail('tensorParallel', `${perPod} GPUs per pod on ${poolText}, whose GPUs are shared (MIG or time-slicing); use 1, or a pool of whole GPUs`);
    if (perPod > pool.devicesPerNode) {
      r.fail('tensorParallel', `${shape.multiNode || pp === 1 ? tp : `${tp} x pipelineParallel ${pp}`} exceeds the ${pool.devicesPerNode} GPU${pool.devicesPerNode === 1 ? '' : 's'} per node of pool "${p.pool.name}"; a pod stays on one node: use ${orList(allowedTp)}${shape.multiNode ? '' : ', or MultiNodeVllmServer to span nodes'}${p.pool.gpusPerNode === undefined ? ' (or set pool.gpusPerNode)' : ''}`);
    }
  };
  const ppGiven = p.pipelineParallel;
  if (engine === 'tgi' && ppGiven !== undefined && ppGiven !== 1) r.fail('pipelineParallel', `${ppGiven}, but TGI has no pipeline parallel; use tensorParallel (up to ${pool.devicesPerNode} GPUs of one node) instead, or VllmServer`);
  if (ppGiven !== undefined && (!Number.isInteger(ppGiven) || ppGiven < 1 || ppGiven > arch.layers)) {
    r.fail('pipelineParallel', `${ppGiven} is not a stage count for the model's ${arch.layers} layers; use a whole number from ${shape.multiNode ? 2 : 1} to ${arch.layers}`);
  }
  if (shape.multiNode && ppGiven !== undefined && ppGiven < 2) r.fail('pipelineParallel', `${ppGiven} stage runs on one node; use 2 or more, or VllmServer`);
  const nodes = p.pool.nodes?.length;
  if (shape.multiNode && ppGiven !== undefined && nodes !== undefined && ppGiven > nodes) {
    r.fail('pipelineParallel', `${ppGiven} stages need ${ppGiven} nodes and pool "${p.pool.name}" has ${nodes}; use ${nodes} or less, or add nodes`);
  }

  let tp: number;
  let pp: number;
  if (shape.multiNode) {
    // Multi-node: a whole node per stage; the fewest stages that fit.
    tp = p.tensorParallel ?? allowedTp.at(-1) ?? 1;
    checkTp(tp, 1);
    const stages = ppGiven !== undefined ? [ppGiven] : Array.from({ length: Math.max(0, Math.min(arch.layers, nodes ?? arch.layers) - 1) }, (_, i) => i + 2);
    const found = stages.find((s) => fits(planAt(tp, s, wanted)));
    pp = found ?? stages.at(-1) ?? 2;
    if (found === undefined && ppGiven === undefined) {
      const x = planAt(tp, pp, wanted);
      r.fail('pool', `"${p.pool.name}": ${p.model} (${quantization}) does not fit ${pp} stages of tensorParallel ${tp}, the most the pool allows: ${gib(x.weightBytesPerGpu)} of weights per GPU against ${usable(x)}; use a larger GPU, more nodes, or quantization fp8/awq`);
    }
  } else {
    pp = ppGiven ?? 1;
    if (p.tensorParallel !== undefined) {
      tp = p.tensorParallel;
      checkTp(tp, pp);
    } else {
      const candidates = allowedTp.filter((t) => t * pp <= pool.devicesPerNode);
      const found = candidates.find((t) => fits(planAt(t, pp, wanted)));
      if (found === undefined) {
        const largest = candidates.at(-1) ?? 1;
        const x = planAt(largest, pp, wanted);
        // What would fit: the smallest tensor parallel the model allows on this GPU, beyond the pool's node.
        const wouldFit = validTensorParallel(arch, 64).find((t) => fits(planAt(t, pp, wanted)));
        const weights = x.kvCacheBytesPerGpu <= 0;
        r.fail(
          'pool',
          `"${p.pool.name}": ${p.model} (${quantization}) does not fit ${pool.gpu.key} at tensorParallel ${largest}, the largest ${poolText} allows: ${weights ? `${gib(x.weightBytesPerGpu)} of weights per GPU against ${usable(x)}` : `${gib(x.kvCacheBytesPerGpu)} of KV cache is left per GPU, less than one sequence of ${wanted} tokens (${gib(wanted * x.kvBytesPerTokenPerGpu)})`}; ${wouldFit ? `it fits at tensorParallel ${wouldFit}: use a pool with ${wouldFit} GPUs per node${pool.device.combinable ? '' : ' of whole GPUs'}` : 'use a larger GPU'}${weights ? ', quantization fp8/awq' : ', a shorter maxModelLen'}, or MultiNodeVllmServer`,
        );
      }
      tp = found;
    }
  }

  const x = planAt(tp, pp, wanted);
  if (x.kvCacheBytesPerGpu <= 0) {
    const better = allowedTp.filter((t) => t > tp && (shape.multiNode || t * pp <= pool.devicesPerNode)).find((t) => fits(planAt(t, pp, wanted)));
    r.fail('tensorParallel', `${tp}: ${p.model} (${quantization}) needs ${gib(x.weightBytesPerGpu)} of weights per GPU at tensorParallel ${tp} x pipelineParallel ${pp}, more than ${usable(x)}; ${better ? `use tensorParallel ${better}` : 'use a larger GPU or quantization fp8/awq'}`);
  }
  if (p.maxModelLen !== undefined && x.fullLengthSequences < 1) {
    r.fail('maxModelLen', `${p.maxModelLen} tokens need ${gib(p.maxModelLen * x.kvBytesPerTokenPerGpu)} of KV cache per GPU and ${gib(x.kvCacheBytesPerGpu)} is left after ${gib(x.weightBytesPerGpu)} of weights on ${where}; the most that fits is ${x.largestMaxModelLen} tokens: use maxModelLen ${roundDown(x.largestMaxModelLen)} or less, kvCacheDtype fp8, or more tensorParallel`);
  }
  const maxModelLen = p.maxModelLen ?? Math.min(arch.maxPositionEmbeddings, roundDown(x.largestMaxModelLen));
  const final = planAt(tp, pp, maxModelLen);
  // what vLLM allocates after sizing the KV cache (catalog/outside-budget.ts): refused where the reports show it fail
  const outside = final.kvCacheBytesPerGpu > 0 ? outsideBudgetFinding(final, arch, gpuMemoryUtilization, planUtilization) : undefined;
  if (outside?.refuse) r.fail('gpuMemoryUtilization', outside.message);
  return {
    name,
    namespace,
    model: p.model,
    revision: p.revision,
    pool: p.pool.name,
    gpuResource: p.gpuResource,
    tensorParallel: tp,
    pipelineParallel: pp,
    quantization,
    prequantized,
    kvCacheDtype,
    maxModelLen,
    gpuMemoryUtilization,
    replicas,
    image: p.image,
    extraArgs: p.extraArgs,
    cache: p.cache,
    hfTokenSecret: p.hfTokenSecret,
    trustRemoteCode: p.trustRemoteCode,
    loading: p.loading,
    otlpTraces: p.otlpTraces,
    load: p.load ?? { downloadBytes: downloadBytes(engine, { model: p.model, architecture: p.architecture }), weightBytesPerGpu: final.weightBytesPerGpu, gpus: final.gpusPerReplica },
    startupTimeoutSeconds: p.startupTimeoutSeconds,
    startupRates: p.startupRates,
    autoscaled: p.autoscaled,
    maxReplicas: p.maxReplicas,
  };
}

/** Ollama: one GPU, its own build of the model; the catalogue gives the tag and the load. */
export function ollamaSettings(c: Construct, kind: string, p: OllamaServerProps): LlmServerSettings & { readonly ollamaTag: string } {
  const r: Resolver = new Resolver(c, kind);
  const { name, namespace } = r.names(p);
  r.pool(p.pool);
  const replicas = r.replicas(p);
  const ollamaTag = p.ollamaTag ?? MODELS[p.model]?.ollamaTag;
  if (ollamaTag === undefined) r.fail('ollamaTag', `missing: ${p.model} has no Ollama tag in the model catalogue; pass the model's name in Ollama's library, e.g. "llama3.1:8b-instruct-q4_K_M"`);
  if (!OLLAMA_TAG.test(ollamaTag)) r.fail('ollamaTag', `${JSON.stringify(ollamaTag)} is not a model name of Ollama's library (lowercase letter or digit first, then letters, digits and . : / _ -); use e.g. "llama3.1:8b-instruct-q4_K_M"`);
  let load = p.load;
  if (!load) {
    const arch = r.arch(p)!;
    // Ollama's 4-bit build is smaller than the checkpoint: the checkpoint's sizes are an upper bound.
    load = { downloadBytes: downloadBytes('ollama', { model: p.model, architecture: p.architecture }), weightBytesPerGpu: weightBytes(arch, impliedQuantization(arch)), gpus: 1 };
  }
  return {
    name,
    namespace,
    model: p.model,
    pool: p.pool.name,
    gpuResource: p.gpuResource,
    tensorParallel: 1,
    pipelineParallel: 1,
    quantization: 'none',
    prequantized: false,
    kvCacheDtype: 'auto',
    maxModelLen: 0,
    gpuMemoryUtilization: 0,
    replicas,
    image: p.image,
    extraArgs: [],
    cache: p.cache,
    load,
    startupTimeoutSeconds: p.startupTimeoutSeconds,
    startupRates: p.startupRates,
    autoscaled: p.autoscaled,
    maxReplicas: p.maxReplicas,
    ollamaTag,
  };
}
