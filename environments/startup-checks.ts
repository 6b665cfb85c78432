/**
 * Start-up warnings (issue 17): a model whose estimated cold start (catalog/startup.ts) exceeds its `startupSlo`.
 * A warning, not an error, in every stage: the figure is an estimate from declared bandwidths, and refusing a
 * deploy on it would push people to declare faster links than they have rather than to shorten the start.
 */
import { afterKvSamplerBytes, gib } from '../catalog/planner';
import { MAX_STABILIZATION_WINDOW_SECONDS } from '../catalog/startup';
import type { ResolvedEnvironment, ResolvedModel } from './resolve';

const seconds = (s: number) => `${Math.ceil(s)} s`;

export function startupWarnings(r: Pick<ResolvedEnvironment, 'models'>): Array<{ path: (string | number)[]; message: string }> {
  return r.models.flatMap((m, i) => [...sloWarnings(m, i), ...autoscalingWarnings(m, i), ...warmupWarnings(m, i)]);
}

type Warning = { path: (string | number)[]; message: string };

/**
 * An autoscaled model whose startup budget is longer than the HPA's scale-down window may be (3600 s): the window
 * is capped, so a demand dip longer than an hour but shorter than a start may scale in a replica still loading.
 */
function autoscalingWarnings(m: ResolvedEnvironment['models'][number], i: number): Warning[] {
  const budget = m.spec.startupTimeoutSeconds ?? m.startup.probeBudgetSeconds;
  if (!m.spec.autoscaling || budget <= MAX_STABILIZATION_WINDOW_SECONDS) return [];
  return [
    {
      path: ['models', i, 'autoscaling'],
      message: `${m.spec.name}'s startup budget is ${budget} s (${m.spec.startupTimeoutSeconds !== undefined ? 'startupTimeoutSeconds' : 'the start-up estimate'}), longer than the ${MAX_STABILIZATION_WINDOW_SECONDS} s the HPA allows for its scale-down stabilisation window (capped there): the autoscaler may remove a replica still loading; shorten the start (cache.mode "shared", a faster startup.cacheReadMBps, a smaller checkpoint) or use fixed replicas`,
    },
  ];
}

/**
 * What vLLM allocates after sizing the KV cache comes out of the memory outside gpuMemoryUtilization's budget. The V2
 * runner (dense models at the pinned release) captures its CUDA graphs there, and its profile runs greedy requests
 * only, so the first batch with sampling settings allocates FP32 logits and top-k/top-p work space there too
 * (vllm/v1/worker/gpu/sample at main 6adad087). The V1 runner (mixtures of experts) warms its sampler up there: two
 * public reports of gpt-oss-20b (vLLM 0.19, H100, 0.95, 1024 sequences) ran out of memory doing so, while dense
 * models at the same settings started. A warning: the terms are estimates (README "Capacity planner"), and one report
 * with about as little room started (gpt-oss-120b, vLLM 0.11).
 */
function warmupWarnings(m: ResolvedModel, i: number): Warning[] {
  const p = m.plan;
  if (m.spec.engine !== 'vllm') return [];
  const v2 = p.overhead.runner === 'v2';
  const need = afterKvSamplerBytes(p, m.arch);
  const sampler = need > 0;
  if (p.outsideBudgetBytesPerGpu >= need) return [];
  const graphs = p.overhead.cudaGraphEstimateBytes - p.overhead.cudaGraphBytes;
  const taken = `the CUDA context${graphs > 0 ? ` and ${gib(graphs)} of CUDA graphs vLLM captures outside it` : ''}`;
  const batch = `${p.overhead.maxNumSeqs} sequences x ${m.arch.vocabSize ?? 'an unknown'} vocabulary: about ${gib(p.samplerWarmupBytes)}`;
  const what = !sampler
    ? 'vLLM may run out of memory capturing them after sizing the KV cache'
    : v2
      ? `the first batch that samples allocates its FP32 logits and top-k/top-p work space there (${batch}), after start-up`
      : `vLLM warms its sampler up there after sizing the KV cache (${batch}); gpt-oss-20b failed so at 0.95 on H100 ("CUDA out of memory occurred when warming up sampler")`;
  return [
    {
      path: ['models', i, 'gpuMemoryUtilization'],
      message: `${m.spec.gpuMemoryUtilization} leaves ${gib(Math.max(0, p.outsideBudgetBytesPerGpu + graphs))} per GPU outside the budget after the CUDA context, ${gib(Math.max(0, p.outsideBudgetBytesPerGpu))} after ${taken}; ${what}: use gpuMemoryUtilization ${suggestUtilization(m, need)} or less${sampler ? ', or fewer --max-num-seqs in extraArgs' : ''}`,
    },
  ];
}

/** The largest utilisation (two decimals) that leaves the warm-up its room, keeping everything else as planned. */
function suggestUtilization(m: ResolvedModel, need: number): string {
  const p = m.plan;
  const short = need - p.outsideBudgetBytesPerGpu;
  const memory = p.budgetBytesPerGpu / m.gpuMemoryUtilization;
  return (Math.floor((m.gpuMemoryUtilization - short / memory) * 100) / 100).toFixed(2);
}

function sloWarnings(m: ResolvedEnvironment['models'][number], i: number): Warning[] {
  const slo = m.spec.startupSlo;
  const p = m.startup;
  if (slo === undefined || p.coldStartSeconds <= slo) return [];
  const shared = p.cacheMode === 'shared';
  return [
    {
      path: ['models', i, 'startupSlo'],
      message: `${slo} s, and ${m.spec.name}'s estimated cold start is ${seconds(p.coldStartSeconds)} (download ${seconds(p.downloadSeconds)} + load ${seconds(p.loadSeconds)} + compile ${seconds(p.coldCompileSeconds)}; warm start ${seconds(p.warmStartSeconds)}), an estimate from startup.downloadMBps and startup.cacheReadMBps; ${shared ? 'the prefetch Job pays the download once per revision, so a replica starts in about the warm figure' : 'cache.mode "shared" (a prefetch Job fills one ReadWriteMany cache) takes the download out of every replica\'s start'}, or raise startupSlo`,
    },
  ];
}
