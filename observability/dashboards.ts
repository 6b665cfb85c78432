/**
 * Grafana dashboards generated from the environment, loaded by the Grafana sidecar: model serving, GPUs,
 * gateway and RAG. Variables per model and per pool. Every query is checked by promtool in the tests.
 */
import { nodesRegex } from './alert-rules';
import { COST_SERIES } from './cost-rules';

const q = (s: string) => JSON.stringify(s);
import { METRICS as M } from './metric-names';

export interface DashboardInput {
  readonly models: readonly string[];
  /** `mig`: the pool's GPUs are MIG-partitioned (utilisation from the profiling metric). */
  readonly pools: ReadonlyArray<{ readonly name: string; readonly nodes: readonly string[]; readonly mig?: boolean }>;
  readonly vectorStore?: 'qdrant' | 'pgvector';
  /** The cost dashboard: the environment's currency (Grafana's unit where it has one) and its monthly budget. */
  readonly cost?: { readonly currency: string; readonly monthlyBudget?: number };
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly exprs: ReadonlyArray<{ readonly expr: string; readonly legend: string }>;
}

type Variable = { readonly name: string; readonly label: string; readonly options: ReadonlyArray<{ readonly text: string; readonly value: string }> };

function dashboard(uid: string, title: string, variables: readonly Variable[], panels: readonly Panel[]): object {
  return {
    uid,
    title,
    tags: ['inference-stack'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: variables.map((v) => ({
        name: v.name,
        label: v.label,
        type: 'custom',
        includeAll: true,
        allValue: '.+',
        multi: true,
        query: v.options.map((o) => `${o.text} : ${o.value}`).join(','),
        options: v.options.map((o) => ({ text: o.text, value: o.value, selected: false })),
        current: { text: 'All', value: '$__all' },
      })),
    },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      datasource: { type: 'prometheus', uid: 'prometheus' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: p.exprs.map((e, j) => ({ refId: String.fromCharCode(65 + j), expr: e.expr, legendFormat: e.legend })),
    })),
  };
}

const RATE = '$__rate_interval';

export function dashboards(i: DashboardInput): Record<string, object> {
  const model = `model_name=~"$model"`;
  const modelVar: Variable = { name: 'model', label: 'Model', options: i.models.map((m) => ({ text: m, value: m })) };
  const poolVar: Variable = { name: 'pool', label: 'Pool', options: i.pools.map((p) => ({ text: p.name, value: nodesRegex(p.nodes) })) };
  const host = `node=~"$pool"`;
  const migNodes = i.pools.filter((p) => p.mig).flatMap((p) => p.nodes);
  const wholeNodes = i.pools.filter((p) => !p.mig).flatMap((p) => p.nodes);
  // DCGM_FI_DEV_GPU_UTIL is not reported for MIG instances; their graphics-engine activity is (0-1, so x 100).
  const utilisation = [
    ...(wholeNodes.length > 0 ? [{ expr: `avg by (node, gpu) (${M.dcgm.utilisation}{${host}, node=~${q(nodesRegex(wholeNodes))}})`, legend: '{{node}} GPU {{gpu}}' }] : []),
    ...(migNodes.length > 0
      ? [{ expr: `100 * avg by (node, gpu, GPU_I_PROFILE, GPU_I_ID) (${M.dcgm.graphicsEngineActive}{${host}, node=~${q(nodesRegex(migNodes))}})`, legend: '{{node}} GPU {{gpu}} MIG {{GPU_I_PROFILE}} #{{GPU_I_ID}}' }]
      : []),
  ];
  const out: Record<string, object> = {
    'model-serving': dashboard('inference-models', 'Inference / Model serving', [modelVar], [
      { title: 'Generated tokens per second', unit: 'short', exprs: [{ expr: `sum by (model_name) (rate(${M.vllm.generationTokens}{${model}}[${RATE}]))`, legend: '{{model_name}}' }] },
      { title: 'Prompt tokens per second', unit: 'short', exprs: [{ expr: `sum by (model_name) (rate(${M.vllm.promptTokens}{${model}}[${RATE}]))`, legend: '{{model_name}}' }] },
      { title: 'Time to first token (p50, p95)', unit: 's', exprs: [
        { expr: `histogram_quantile(0.5, sum by (le, model_name) (rate(${M.vllm.ttftBucket}{${model}}[${RATE}])))`, legend: 'p50 {{model_name}}' },
        { expr: `histogram_quantile(0.95, sum by (le, model_name) (rate(${M.vllm.ttftBucket}{${model}}[${RATE}])))`, legend: 'p95 {{model_name}}' },
      ] },
      { title: 'End-to-end latency (p95)', unit: 's', exprs: [{ expr: `histogram_quantile(0.95, sum by (le, model_name) (rate(${M.vllm.e2eLatencyBucket}{${model}}[${RATE}])))`, legend: '{{model_name}}' }] },
      { title: 'Requests running and waiting', unit: 'short', exprs: [
        { expr: `sum by (model_name) (${M.vllm.running}{${model}})`, legend: 'running {{model_name}}' },
        { expr: `sum by (model_name) (${M.vllm.waiting}{${model}})`, legend: 'waiting {{model_name}}' },
      ] },
      { title: 'KV-cache usage', unit: 'percentunit', exprs: [{ expr: `max by (model_name) (${M.vllm.kvCacheUsage}{${model}})`, legend: '{{model_name}}' }] },
      { title: 'Queue time (p95)', unit: 's', exprs: [{ expr: `histogram_quantile(0.95, sum by (le, model_name) (rate(${M.vllm.queueTimeBucket}{${model}}[${RATE}])))`, legend: '{{model_name}}' }] },
      // Slow starts: a pod of the model's StatefulSet or LeaderWorkerSet groups that is not Ready (1 while starting or failing).
      { title: 'Pods not Ready (starting), by pod', unit: 'short', exprs: [{ expr: `sum by (pod) (1 - ${M.kubeStateMetrics.podStatusReady}{namespace="models", condition="true", pod=~"($model)-([0-9]+|group-[0-9]+(-[0-9]+)?)"})`, legend: '{{pod}}' }] },
      { title: 'Finished requests per second, by reason', unit: 'reqps', exprs: [{ expr: `sum by (model_name, finished_reason) (rate(${M.vllm.requestSuccess}{${model}}[${RATE}]))`, legend: '{{model_name}} {{finished_reason}}' }] },
    ]),
    gpus: dashboard('inference-gpus', 'Inference / GPUs', [poolVar], [
      { title: 'GPU utilisation', unit: 'percent', exprs: utilisation },
      { title: 'GPU memory used', unit: 'percentunit', exprs: [{ expr: `sum by (node, gpu) (${M.dcgm.memoryUsed}{${host}}) / (sum by (node, gpu) (${M.dcgm.memoryUsed}{${host}}) + sum by (node, gpu) (${M.dcgm.memoryFree}{${host}}))`, legend: '{{node}} GPU {{gpu}}' }] },
      { title: 'GPU temperature', unit: 'celsius', exprs: [{ expr: `max by (node, gpu) (${M.dcgm.temperature}{${host}})`, legend: '{{node}} GPU {{gpu}}' }] },
      { title: 'GPU power', unit: 'watt', exprs: [{ expr: `sum by (node, gpu) (${M.dcgm.power}{${host}})`, legend: '{{node}} GPU {{gpu}}' }] },
      { title: 'XID errors (last code)', unit: 'short', exprs: [{ expr: `max by (node, gpu) (${M.dcgm.xidErrors}{${host}})`, legend: '{{node}} GPU {{gpu}}' }] },
      { title: 'Uncorrectable remapped memory rows', unit: 'short', exprs: [{ expr: `max by (node, gpu) (${M.dcgm.uncorrectableRemappedRows}{${host}})`, legend: '{{node}} GPU {{gpu}}' }] },
    ]),
    gateway: dashboard('inference-gateway', 'Inference / Gateway', [], [
      { title: 'Requests per second, by model', unit: 'reqps', exprs: [{ expr: `sum by (requested_model) (rate(${M.litellm.requests}[${RATE}]))`, legend: '{{requested_model}}' }] },
      { title: 'Failed requests per second, by status', unit: 'reqps', exprs: [{ expr: `sum by (exception_status) (rate(${M.litellm.failedRequests}[${RATE}]))`, legend: '{{exception_status}}' }] },
      { title: 'Latency (p95), by model', unit: 's', exprs: [{ expr: `histogram_quantile(0.95, sum by (le, requested_model) (rate(${M.litellm.latencyBucket}[${RATE}])))`, legend: '{{requested_model}}' }] },
      { title: 'Spend per hour, by team (USD)', unit: 'currencyUSD', exprs: [{ expr: `sum by (team_alias) (increase(${M.litellm.spend}[1h]))`, legend: '{{team_alias}}' }] },
      { title: 'Budget left, by team', unit: 'percentunit', exprs: [{ expr: `min by (team_alias) (${M.litellm.teamBudgetRemaining}) / min by (team_alias) (${M.litellm.teamBudgetMax})`, legend: '{{team_alias}}' }] },
      { title: 'Edge requests per second, by status', unit: 'reqps', exprs: [{ expr: `sum by (code) (rate(${M.caddy.durationCount}{namespace="edge"}[${RATE}]))`, legend: '{{code}}' }] },
    ]),
  };
  if (i.cost) out.cost = costDashboard(i.cost);
  if (i.vectorStore === 'qdrant') {
    out.rag = dashboard('inference-rag', 'Inference / RAG', [], [
      { title: 'Qdrant REST latency (p95)', unit: 's', exprs: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(${M.qdrant.restDurationBucket}{namespace="rag"}[${RATE}])))`, legend: 'p95' }] },
      { title: 'Points per collection', unit: 'short', exprs: [{ expr: `sum by (id) (${M.qdrant.points}{namespace="rag"})`, legend: '{{id}}' }] },
    ]);
  } else if (i.vectorStore === 'pgvector') {
    out.rag = dashboard('inference-rag', 'Inference / RAG', [], [
      { title: 'Vector store instances up', unit: 'short', exprs: [{ expr: `sum(${M.prometheus.up}{namespace="rag"})`, legend: 'up' }] },
    ]);
  }
  return out;
}

/**
 * Inference / Cost: the GPUs held and the hosted spend (the cost rules' series, observability/cost-rules.ts), the
 * month projected against the budget, spend through the gateway per model and team, and the price of a million
 * tokens per model as the gateway counts it (self-hosted: our estimate's per-token prices; hosted: list prices).
 */
function costDashboard(c: NonNullable<DashboardInput['cost']>): object {
  const unit = ['USD', 'EUR', 'GBP', 'JPY'].includes(c.currency) ? `currency${c.currency}` : 'short';
  const spendByModel = `sum by (model) (increase(${M.litellm.spend}[1h]))`;
  return dashboard('inference-cost', 'Inference / Cost', [], [
    { title: `GPU cost per hour, by pool (${c.currency}): held by running pods, and every GPU of the pool`, unit, exprs: [
      { expr: `sum by (pool) (${COST_SERIES.gpuCostPerHour})`, legend: 'held {{pool}}' },
      { expr: `sum by (pool) (${COST_SERIES.poolCostPerHour})`, legend: 'pool {{pool}}' },
    ] },
    { title: `Month projected at the last day's rate (${c.currency})`, unit, exprs: [
      { expr: `avg_over_time(${COST_SERIES.spendPerHour}[1d]) * 730`, legend: 'projected' },
      ...(c.monthlyBudget !== undefined ? [{ expr: `vector(${c.monthlyBudget})`, legend: 'budget' }] : []),
    ] },
    { title: `Spend per hour through the gateway, by model (${c.currency})`, unit, exprs: [{ expr: spendByModel, legend: '{{model}}' }] },
    { title: `Spend per hour through the gateway, by team (${c.currency})`, unit, exprs: [{ expr: `sum by (team_alias) (increase(${M.litellm.spend}[1h]))`, legend: '{{team_alias}}' }] },
    { title: `Price per million tokens through the gateway, by model: self-hosted (estimate) and hosted (${c.currency})`, unit, exprs: [
      { expr: `${spendByModel} / (sum by (model) (increase(${M.litellm.totalTokens}[1h])) / 1e6)`, legend: '{{model}}' },
    ] },
    { title: `GPU cost per million generated tokens, measured, all self-hosted models (${c.currency})`, unit, exprs: [
      { expr: `sum(${COST_SERIES.gpuCostPerHour}) / (sum(rate(${M.vllm.generationTokens}[1h])) * 3600 / 1e6)`, legend: 'GPUs held / tokens generated' },
    ] },
  ]);
}
