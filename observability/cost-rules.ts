/**
 * The cost rules (README "Cost"): recording rules for the cost rate of the GPUs running pods hold (per pool, at its
 * price per device) and of the hosted models' spend through the gateway, and an alert when the month, projected
 * from the last day's rate, passes the environment's monthly budget. Rendered as their own PrometheusRule.
 */
import type { AlertRule } from './alert-rules';
import { nodesRegex } from './alert-rules';
import { METRICS as M } from './metric-names';

/** A Prometheus recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A rule group that may hold recording rules (evaluated in order: records before the alerts that read them). */
export interface CostRuleGroup {
  readonly name: string;
  readonly rules: ReadonlyArray<RecordingRule | AlertRule>;
}

export interface CostRuleInput {
  readonly currency: string;
  /** Priced pools: their nodes, the price of one device (GPU, MIG slice or time-slice share) and of the whole pool, per hour. */
  readonly pools: ReadonlyArray<{ readonly name: string; readonly nodes: readonly string[]; readonly pricePerDeviceHour: number; readonly poolPerHour: number }>;
  /** Hosted models at the gateway: LiteLLM's provider prefix and the provider's model id (the spend metric's `model`). */
  readonly hostedModels: ReadonlyArray<{ readonly provider: string; readonly model: string }>;
  readonly monthlyBudget?: number;
}

/** Names of the recorded series (the dashboard reads them too). */
export const COST_SERIES = {
  gpuCostPerHour: 'inference:gpu_cost_per_hour',
  poolCostPerHour: 'inference:gpu_pool_cost_per_hour',
  hostedSpendPerHour: 'inference:hosted_spend_per_hour',
  spendPerHour: 'inference:spend_per_hour',
} as const;

/** Hours in the month the projection uses (catalog/cost.ts HOURS_PER_MONTH). */
const HOURS_PER_MONTH = 730;

const q = (s: string) => JSON.stringify(s);
/**
 * A model id as a regex literal: `.`, `*`, `+`, `?`, `^`, `(`, `)`, `|`, `[`, `]` and backslashes escaped. Not `$`, `{`
 * or `}`: the stacks have escaped the environment's strings for Terraform once (`$${` for `${`), and a second
 * escape would show the user's text changed; no provider's model id holds them.
 */
const escapeRegex = (s: string) => s.replace(/[.*+?^()|[\]\\]/g, '\\$&');

/** GPU requests of running pods on some nodes: whole GPUs (and slices under the single strategy) or MIG slices. */
export function gpusHeldExpr(nodes: readonly string[]): string {
  const requests = `${M.kubeStateMetrics.podResourceRequests}{resource=~"nvidia_com_gpu|nvidia_com_mig_.+", node=~${q(nodesRegex(nodes))}}`;
  return `sum(${requests} * on (namespace, pod) group_left () max by (namespace, pod) (${M.kubeStateMetrics.podStatusPhase}{phase="Running"} == 1))`;
}

/** The hosted models' spend through the gateway: the spend metric's `model`, with or without LiteLLM's provider prefix. */
export function hostedSpendSelector(hosted: CostRuleInput['hostedModels']): string {
  const names = [...new Set(hosted.map((h) => `(${escapeRegex(h.provider)}/)?${escapeRegex(h.model)}`))].sort();
  return `${M.litellm.spend}{model=~${q(names.join('|'))}}`;
}

export function costRules(i: CostRuleInput): CostRuleGroup[] {
  const rules: Array<RecordingRule | AlertRule> = [];
  for (const p of i.pools) {
    rules.push({ record: COST_SERIES.gpuCostPerHour, expr: `${gpusHeldExpr(p.nodes)} * ${p.pricePerDeviceHour}`, labels: { pool: p.name } });
    rules.push({ record: COST_SERIES.poolCostPerHour, expr: `vector(${p.poolPerHour})`, labels: { pool: p.name } });
  }
  if (i.hostedModels.length > 0) {
    rules.push({ record: COST_SERIES.hostedSpendPerHour, expr: `sum(rate(${hostedSpendSelector(i.hostedModels)}[1h])) * 3600` });
  }
  rules.push({ record: COST_SERIES.spendPerHour, expr: `(sum(${COST_SERIES.gpuCostPerHour}) or vector(0)) + (sum(${COST_SERIES.hostedSpendPerHour}) or vector(0))` });
  if (i.monthlyBudget !== undefined) {
    const budget = i.monthlyBudget;
    rules.push({
      alert: 'InferenceSpendOverBudget',
      expr: `avg_over_time(${COST_SERIES.spendPerHour}[1d]) * ${HOURS_PER_MONTH} > ${budget}`,
      for: '1h',
      labels: { severity: 'warning' },
      annotations: {
        summary: `At the last day's rate, this month's spend passes the budget of ${budget} ${i.currency}`,
        runbook: `The GPUs running pods hold (at the pools' prices) and the hosted models' spend through the gateway, averaged over the last day, x ${HOURS_PER_MONTH} h, are above cost.monthlyBudget. The Inference / Cost dashboard shows which pool or model: scale an autoscaled model's max down, move a fallback away from a hosted model, or raise the budget (npx inference-stack cost shows the planned figures).`,
      },
    });
  }
  return [{ name: 'inference-cost', rules }];
}
