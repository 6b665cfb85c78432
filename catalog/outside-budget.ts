/**
 * The memory outside gpuMemoryUtilization's budget (issue 20): what vLLM allocates after sizing the KV cache comes
 * from there. The V2 runner (dense models at the pinned release) captures its CUDA graphs there, and its profile runs
 * greedy requests only, so its first batch with sampling settings allocates FP32 logits and top-k/top-p work space
 * there (vllm/v1/worker/gpu/sample at main 6adad087): a warning, since that fails at run time and the estimate has no
 * report behind it. The V1 runner (mixtures of experts) warms its sampler up there: two public reports of gpt-oss-20b
 * (vLLM 0.19, H100, 0.95, 1024 sequences) ran out of memory doing so, so a mixture of experts without that room is
 * refused (dense models on V1 started with less room in the reports).
 */
import type { ModelArchitecture } from './models';
import { afterKvSamplerBytes, gib, type Plan } from './planner';

export interface OutsideBudgetFinding {
  /** A refusal (the reports show vLLM failing so), or a warning. */
  readonly refuse: boolean;
  readonly message: string;
}

/**
 * The finding for a vLLM server's plan, or undefined when the room suffices. `utilization` is gpuMemoryUtilization as
 * the user wrote it, `planned` the figure the plan used (the constructs plan a time-sliced share with the prop times
 * the sharers); the suggestion is given in the user's terms.
 */
export function outsideBudgetFinding(
  p: Plan,
  arch: Pick<ModelArchitecture, 'mixtureOfExperts' | 'vocabSize'>,
  utilization: number,
  planned: number = utilization,
): OutsideBudgetFinding | undefined {
  const need = afterKvSamplerBytes(p, arch);
  if (p.outsideBudgetBytesPerGpu >= need) return undefined;
  const v2 = p.overhead.runner === 'v2';
  const sampler = need > 0;
  const graphs = p.overhead.cudaGraphEstimateBytes - p.overhead.cudaGraphBytes;
  const room =
    graphs > 0
      ? `${gib(Math.max(0, p.outsideBudgetBytesPerGpu + graphs))} per GPU outside the budget after the CUDA context, ${gib(Math.max(0, p.outsideBudgetBytesPerGpu))} after the ${gib(graphs)} of CUDA graphs vLLM captures there`
      : `${gib(Math.max(0, p.outsideBudgetBytesPerGpu))} per GPU outside the budget after the CUDA context`;
  const batch = `${p.overhead.maxNumSeqs} sequences x ${arch.vocabSize ?? 'an unknown'} vocabulary: about ${gib(p.samplerWarmupBytes)}`;
  const what = !sampler
    ? 'vLLM may run out of memory capturing them after sizing the KV cache'
    : v2
      ? `the first batch that samples allocates its FP32 logits and top-k/top-p work space there (${batch}), after start-up`
      : `vLLM warms its sampler up there after sizing the KV cache (${batch}); two gpt-oss-20b reports on vLLM 0.19 failed so ("CUDA out of memory occurred when warming up sampler")`;
  // the largest utilisation (two decimals) that leaves the room, everything else as planned
  const memory = p.budgetBytesPerGpu / planned;
  const suggested = ((planned - (need - p.outsideBudgetBytesPerGpu) / memory) * utilization) / planned;
  return {
    refuse: sampler && !v2,
    message: `${utilization} leaves ${room}; ${what}: use gpuMemoryUtilization ${(Math.floor(suggested * 100) / 100).toFixed(2)} or less${sampler ? ', or fewer --max-num-seqs in extraArgs' : ''}`,
  };
}
