/**
 * Start-up warnings (issue 17): a model whose estimated cold start (catalog/startup.ts) exceeds its `startupSlo`.
 * A warning, not an error, in every stage: the figure is an estimate from declared bandwidths, and refusing a
 * deploy on it would push people to declare faster links than they have rather than to shorten the start.
 */
import { MAX_STABILIZATION_WINDOW_SECONDS } from '../catalog/startup';
import { outsideBudgetFinding } from '../catalog/outside-budget';
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

/** The memory outside the budget (catalog/outside-budget.ts): the findings that are warnings. */
function warmupWarnings(m: ResolvedModel, i: number): Warning[] {
  if (m.spec.engine !== 'vllm') return [];
  const f = outsideBudgetFinding(m.plan, m.arch, m.spec.gpuMemoryUtilization);
  return f && !f.refuse ? [{ path: ['models', i, 'gpuMemoryUtilization'], message: f.message }] : [];
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
