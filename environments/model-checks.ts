/**
 * Cross-field checks of model and embedding servers: a model that cannot run on its pool is rejected here, at
 * synth time, with the numbers that show why.
 */
import { GPUS } from '../catalog/gpus';
import { IMAGES, imageRef, rootOnlyReason } from '../catalog/images';
import { EMBEDDING_MODELS, MODELS, type ModelArchitecture } from '../catalog/models';
import {
  MIN_COMPUTE_CAPABILITY,
  PREQUANTIZED_FORMAT,
  architectureOf,
  gib,
  PINNED_VLLM,
} from '../catalog/planner';
import { checkExtraArgs } from './extra-args-checks';
import { outsideBudgetFinding } from '../catalog/outside-budget';
import { maxReplicas, modelServing, poolDemand, resolvePools, type PoolResolution } from './resolve';
import type { Environment } from './schema';

type Add = (path: (string | number)[], message: string) => void;
type Env = Pick<Environment, 'stage' | 'gpuPools' | 'models' | 'embeddings'>;

const SHA = /^[0-9a-f]{40}$/;
const list = (xs: readonly string[]) => xs.join(', ');

/**
 * The Pod Security level of the models namespace (stacks/models-stack.ts; test/stacks checks that the two agree).
 * Every model server runs there, so an image that cannot run as non-root cannot run at all.
 */
export const MODELS_NAMESPACE_POD_SECURITY = 'restricted';
const ENGINE_IMAGES = { vllm: IMAGES.vllm, tgi: IMAGES.tgi, ollama: IMAGES.ollama } as const;

function checkRevision(stage: string, revision: string | undefined, path: (string | number)[], add: Add, trustRemoteCode = false): void {
  if (revision !== undefined && SHA.test(revision)) return;
  if (stage !== 'dev') {
    add([...path, 'revision'], `${revision === undefined ? 'missing' : JSON.stringify(revision)}: ${stage} needs the model repo's commit SHA (40 hex digits) so every replica serves the same weights; copy it from the model page's "Files and versions" history`);
  } else if (trustRemoteCode) {
    add([...path, 'revision'], `${revision === undefined ? 'missing' : JSON.stringify(revision)}: trustRemoteCode runs the model repo's code, so pin the commit SHA (40 hex digits) you reviewed`);
  }
}

/** The shared cache and the loader (issue 17): what cannot work is refused where it is written. */
function checkStartupFields(m: Env['models'][number], stage: string, at: (...rest: (string | number)[]) => (string | number)[], add: Add): void {
  if (m.cache.mode === 'shared') {
    if (m.engine === 'ollama') add(at('cache', 'mode'), `"shared" fills a Hugging Face cache, and Ollama pulls its own builds (no HF cache); use the per-replica cache, or engine "vllm"`);
    else if (m.engine !== 'vllm') add(at('cache', 'mode'), `"shared" is filled for vLLM (TGI's launcher takes its hub cache by flag); use engine "vllm", or the per-replica cache`);
    if (m.cache.existingClaim === undefined && m.cache.storageClass === undefined) {
      add(at('cache', 'storageClass'), `missing: a shared cache is one ReadWriteMany claim, and whether the cluster's default storage class provides ReadWriteMany is unknowable here; name a class that does (an NFS, CephFS or cloud file-store class), or give cache.existingClaim (a ReadWriteMany claim)`);
    }
    if (stage === 'dev' && (m.revision === undefined || !SHA.test(m.revision))) {
      add(at('revision'), `${m.revision === undefined ? 'missing' : JSON.stringify(m.revision)}: a shared cache is filled once per revision by a prefetch Job, so it needs the model repo's commit SHA (40 hex digits)`);
    }
  }
  const l = m.loading;
  if (l === undefined) return;
  if (l.format === 'runai_streamer') {
    if (m.engine !== 'vllm') add(at('loading', 'format'), `"runai_streamer" is a vLLM load format (the Run:ai Model Streamer in the vLLM image); engine "${m.engine}" has none: remove loading, or use engine "vllm"`);
    if (m.architecture?.weightFiles === 'pytorch') add(at('loading', 'format'), `"runai_streamer" streams safetensors files, and ${m.model} has PyTorch weight files only (architecture.weightFiles "pytorch"); remove loading, or use a safetensors repo of the model`);
  } else if (l.concurrency !== undefined) {
    add(at('loading', 'concurrency'), `${l.concurrency}: concurrency is the Run:ai streamer's setting and format is "${l.format}"; set format "runai_streamer", or remove concurrency`);
  }
}

/** A pool as the checks count it: its resolution, and the servers found so far that fit it. */
interface PoolInfo extends PoolResolution {
  used: number;
  readonly users: string[];
}

export function checkModels(env: Env, addIssue: Add): void {
  const add = addIssue;
  const pools = new Map<string, PoolInfo>([...resolvePools(env.gpuPools)].map(([name, p]) => [name, { ...p, used: 0, users: [] }]));
  const poolNames = [...pools.keys()];
  const names = new Map<string, string>();
  const claimName = (name: string, where: string, path: (string | number)[]) => {
    const other = names.get(name);
    if (other) add([...path, 'name'], `"${name}" is also the name of ${other}; model and embedding names share one namespace, give each its own`);
    else names.set(name, where);
  };

  env.models.forEach((m, i) => {
    let problems = 0;
    const add: Add = (path, message) => {
      problems++;
      addIssue(path, message);
    };
    const at = (...rest: (string | number)[]) => ['models', i, ...rest];
    claimName(m.name, `models[${i}]`, at());
    if (m.engine === 'ollama' && env.stage !== 'dev') {
      add(at('engine'), `"ollama" is for dev only (no batching, no tensor parallel, unpinned weights); use "vllm" in ${env.stage}`);
    }
    checkRevision(env.stage, m.revision, at(), add, m.trustRemoteCode);
    const image = m.image ?? ENGINE_IMAGES[m.engine];
    const rootOnly = rootOnlyReason(image);
    if (rootOnly) {
      add(at('engine'), `"${m.engine}": the image ${imageRef(image)} cannot run as a non-root user (${rootOnly}), and the models namespace enforces Pod Security "${MODELS_NAMESPACE_POD_SECURITY}" (runAsNonRoot); use engine "vllm", or set image: to a ${m.engine.toUpperCase()} image rebuilt to run as non-root`);
    }
    if (env.stage === 'prod' && m.replicas === 0) {
      add(at('replicas'), '0 in prod serves nothing; use 1 or more, or remove the model');
    }
    checkExtraArgs(m.engine, m.extraArgs, at('extraArgs'), add);
    checkStartupFields(m, env.stage, at, add);

    const arch: ModelArchitecture | undefined = architectureOf(m);
    if (!arch) {
      add(at('model'), `${JSON.stringify(m.model)} is not in the model catalogue; add an architecture: block (layers, attentionHeads, kvHeads, headDim, maxPositionEmbeddings, parameters, checkpoint) from its config.json`);
      return;
    }
    const pool = pools.get(m.pool);
    if (!pool) {
      add(at('pool'), `unknown pool ${JSON.stringify(m.pool)}; use one of: ${list(poolNames) || '(no gpuPools defined)'}`);
      return;
    }
    if (pool.broken) return;
    const tp = m.tensorParallel;
    const pp = m.pipelineParallel;
    const gpus = tp * pp;

    if (m.maxModelLen !== undefined && m.maxModelLen > arch.maxPositionEmbeddings) {
      add(at('maxModelLen'), `${m.maxModelLen} exceeds ${m.model}'s limit of ${arch.maxPositionEmbeddings} tokens; use ${arch.maxPositionEmbeddings} or less`);
    }
    if (arch.attentionHeads % tp !== 0) {
      add(at('tensorParallel'), `${tp} does not divide the ${arch.attentionHeads} attention heads of ${m.model}; use a divisor of ${arch.attentionHeads} (${divisors(arch.attentionHeads, pool.devicesPerNode).join(', ')})`);
    } else if (arch.kvHeads % tp !== 0 && tp % arch.kvHeads !== 0) {
      add(at('tensorParallel'), `${tp} and the ${arch.kvHeads} KV heads of ${m.model} do not divide one another; use ${divisors(arch.kvHeads, pool.devicesPerNode).join(', ')} or a multiple of ${arch.kvHeads}`);
    }
    if (pp > arch.layers) {
      add(at('pipelineParallel'), `${pp} exceeds the ${arch.layers} layers of ${m.model}; use ${arch.layers} or less`);
    }
    if (m.engine === 'tgi' && pp > 1) add(at('pipelineParallel'), `${pp}: TGI has no pipeline parallel; use 1 (and tensorParallel) or engine "vllm"`);
    if (m.engine === 'ollama' && gpus > 1) add(at('tensorParallel'), `${tp} x ${pp}: Ollama runs a model on one GPU; use 1, or engine "vllm"`);

    if (!pool.device) {
      add(at('pool'), `pool "${m.pool}" mixes MIG profiles (balanced); model servers need a pool with one profile or whole GPUs`);
      return;
    }
    const nodes = pool.nodes;
    const eff = modelServing(m, arch, pool.device);
    if (gpus > 1 && !pool.device.combinable) {
      add(at('tensorParallel'), `${tp} x ${pp} GPUs on pool "${m.pool}", whose GPUs are shared (MIG or time-slicing); shared GPUs serve one per pod, so use 1 or a pool of whole GPUs`);
    } else if (gpus > pool.devicesPerNode) {
      // Beyond one node: tensor parallel inside a node, pipeline parallel across nodes (one pod per stage).
      if (tp > pool.devicesPerNode) {
        add(at('tensorParallel'), `${tp} exceeds the ${pool.devicesPerNode} GPUs per node of pool "${m.pool}"; tensor parallel stays inside a node: use ${largestFit(arch.attentionHeads, pool.devicesPerNode)} and spread over nodes with pipelineParallel`);
      } else if (m.engine !== 'vllm') {
        add(at('pipelineParallel'), `${tp} x ${pp} = ${gpus} GPUs spans nodes of pool "${m.pool}" (${pool.devicesPerNode} per node); only engine "vllm" serves across nodes`);
      } else if (pp > nodes) {
        add(at('pipelineParallel'), `${pp} pipeline stages need ${pp} nodes, and pool "${m.pool}" has ${nodes}; add nodes or lower pipelineParallel`);
      }
    }
    const a = m.autoscaling;
    if (a) {
      if (a.min > a.max) add(at('autoscaling', 'min'), `${a.min} is above max ${a.max}; use ${a.max} or less`);
      if (a.min === 0 && env.stage !== 'dev') add(at('autoscaling', 'min'), `0 scales ${m.name} to zero, and the first request then waits minutes for a model load; ${env.stage} keeps at least 1`);
      if (m.engine !== 'vllm') add(at('autoscaling'), `autoscaling reads vLLM's queue and KV-cache metrics; use engine "vllm", or remove autoscaling`);
      if (a.targetKvCacheUsage !== undefined && a.targetKvCacheUsage > 0.85) {
        add(at('autoscaling', 'targetKvCacheUsage'), `${a.targetKvCacheUsage} leaves no room: usage stops at 1.0 and the autoscaler ignores the last 10%, so it would scale out only near a full cache; use 0.85 or less`);
      }
    }

    // Quantisation: the checkpoint it needs, and the GPU it needs.
    const needs = PREQUANTIZED_FORMAT[eff.quantization];
    if (needs && arch.checkpoint !== needs) {
      add(at('quantization'), `"${eff.quantization}" needs a pre-quantised ${needs} checkpoint, and ${m.model} is ${arch.checkpoint}; use a ${needs} repo of the model, or quantization "fp8"/"none"`);
    } else if (!needs && eff.quantization === 'none' && arch.checkpoint !== 'bf16' && arch.checkpoint !== 'fp16' && arch.checkpoint !== 'fp32') {
      add(at('quantization'), `"none" but ${m.model} is a ${arch.checkpoint} checkpoint; remove quantization (it follows the checkpoint)`);
    } else if (eff.quantization === 'fp8' && !['bf16', 'fp16', 'fp32', 'fp8'].includes(arch.checkpoint)) {
      add(at('quantization'), `"fp8" cannot re-quantise the ${arch.checkpoint} checkpoint of ${m.model}; remove quantization`);
    }
    const minCc = MIN_COMPUTE_CAPABILITY[eff.quantization];
    if (pool.gpu.computeCapability < minCc) {
      add(at('quantization'), `"${eff.quantization}" needs compute capability ${minCc.toFixed(1)} or newer and ${pool.gpu.key} has ${pool.gpu.computeCapability.toFixed(1)}; use ${eff.quantization === 'fp8' ? 'an AWQ/GPTQ checkpoint or "none"' : '"none"'}, or a newer GPU (${Object.values(GPUS).filter((g) => g.computeCapability >= minCc).map((g) => g.key).join(', ')})`);
    }
    if (m.engine === 'tgi' && eff.quantization === 'mxfp4') add(at('engine'), '"tgi" 3.3.7 has no MXFP4 kernels for this checkpoint; use engine "vllm"');
    if (m.kvCacheDtype === 'fp8' && pool.gpu.computeCapability < 8.9) {
      add(at('kvCacheDtype'), `"fp8" KV cache needs compute capability 8.9 or newer and ${pool.gpu.key} has ${pool.gpu.computeCapability.toFixed(1)}; use "auto"`);
    }

    // Memory: weights, then one full-length sequence of KV cache.
    if (m.engine !== 'ollama') {
      const p = eff.plan;
      const where = `${pool.gpu.key}${pool.device.combinable ? '' : ' share'} (${gib(pool.device.memoryBytes)} as vLLM sees it x ${m.gpuMemoryUtilization} = ${gib(p.budgetBytesPerGpu)}, less ${gib(p.overhead.totalBytes)} vLLM ${PINNED_VLLM} overhead (${p.overhead.runner === 'v2' ? 'V2 runner' : `V1 runner, max_num_seqs ${p.overhead.maxNumSeqs}`}) = ${gib(p.usableBytesPerGpu)} per GPU)`;
      if (p.kvCacheBytesPerGpu <= 0) {
        add(at('tensorParallel'), `weights of ${m.model} (${eff.quantization}) need ${gib(p.weightBytesPerGpu)} per GPU at tensorParallel ${tp} x pipelineParallel ${pp}, more than ${where}; raise tensorParallel, quantise (fp8/awq), or use a larger GPU`);
      } else if (p.fullLengthSequences < 1) {
        add(at('maxModelLen'), `${eff.maxModelLen} tokens need ${gib(eff.maxModelLen * p.kvBytesPerTokenPerGpu)} of KV cache per GPU, but only ${gib(p.kvCacheBytesPerGpu)} is left after ${gib(p.weightBytesPerGpu)} of weights on ${where}; vLLM will likely report about ${gib(Math.max(0, p.likelyKvCacheBytesPerGpu))} ("Available KV cache memory") and we plan with ${gib(p.kvCacheBytesPerGpu)}: ${p.kvCapacityTokens} tokens, the largest maxModelLen that fits: use maxModelLen ${roundDown(p.largestMaxModelLen)} or less, kvCacheDtype fp8, or more tensorParallel`);
      } else if (m.engine === 'vllm') {
        // what vLLM allocates after sizing the KV cache (catalog/outside-budget.ts); warnings come from load
        const f = outsideBudgetFinding(p, arch, m.gpuMemoryUtilization);
        if (f?.refuse) add(at('gpuMemoryUtilization'), f.message);
      }
    }
    // A server that cannot run is not counted against its pool: its own problem says why.
    if (problems > 0) return;
    // With autoscaling, the pool must hold the most replicas it may scale to.
    const replicas = maxReplicas(m);
    pool.used += poolDemand(m);
    pool.users.push(`${m.name} ${m.autoscaling ? `up to ${replicas}` : replicas} x ${gpus}`);
  });

  env.embeddings.forEach((e, i) => {
    const at = (...rest: (string | number)[]) => ['embeddings', i, ...rest];
    claimName(e.name, `embeddings[${i}]`, at());
    checkRevision(env.stage, e.revision, at(), add);
    if (env.stage === 'prod' && e.replicas < 2) add(at('replicas'), `${e.replicas} in prod: embeddings feed every RAG request; run 2 or more, spread over nodes`);
    if (!EMBEDDING_MODELS[e.model] && (e.dimension === undefined || e.maxTokens === undefined)) {
      add(at('model'), `${JSON.stringify(e.model)} is not in the embedding catalogue (${list(Object.keys(EMBEDDING_MODELS))}); add dimension and maxTokens from its config.json`);
    }
    if (MODELS[e.model]) add(at('model'), `${JSON.stringify(e.model)} is a generative model; list it under models`);
    if (e.pool === 'cpu') return;
    const pool = pools.get(e.pool);
    if (!pool) {
      add(at('pool'), `unknown pool ${JSON.stringify(e.pool)}; use "cpu" or one of: ${list(poolNames)}`);
      return;
    }
    if (pool.broken) return;
    if (!pool.device) {
      add(at('pool'), `pool "${e.pool}" mixes MIG profiles (balanced), so no one GPU resource names its slices; use a pool with one MIG profile or whole GPUs, or "cpu"`);
      return;
    }
    if (env.stage === 'prod' && pool.nodes < 2) {
      add(at('pool'), `pool "${e.pool}" has one node, and prod spreads embedding replicas over nodes; use a pool with two or more nodes, or "cpu"`);
    }
    pool.used += e.replicas;
    pool.users.push(`${e.name} ${e.replicas} x 1`);
  });

  for (const [name, pool] of pools) {
    if (pool.used > pool.capacity) {
      add(['gpuPools', pool.index, 'nodes'], `pool "${name}" has ${pool.capacity} GPUs and its servers ask for ${pool.used} (${pool.users.join(', ')}); add nodes or lower replicas`);
    }
  }
}

/** Divisors of n up to max, for suggestions. */
function divisors(n: number, max: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, max); d++) if (n % d === 0) out.push(d);
  return out;
}

/** The largest tensor parallel up to max that divides the heads. */
function largestFit(heads: number, max: number): number {
  return divisors(heads, max).pop() ?? 1;
}

/** A context length suggestion: rounded down to a multiple of 1024 where that leaves something. */
function roundDown(tokens: number): number {
  return tokens >= 2048 ? Math.floor(tokens / 1024) * 1024 : tokens;
}
