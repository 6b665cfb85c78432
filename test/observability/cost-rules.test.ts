/**
 * The cost rules (observability/cost-rules.ts) and the cost dashboard: the series they read exist upstream, promtool
 * accepts them, and promtool's unit tests show the GPUs held priced per pool, completed pods and other nodes left
 * out, hosted spend counted and self-hosted spend not (the GPUs already are), and the burn alert firing only when
 * the projected month passes the budget.
 */
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { describe, expect, it } from 'vitest';
import { COST_SERIES, costRules, hostedSpendSelector, type CostRuleInput } from '../../observability/cost-rules';
import { dashboards } from '../../observability/dashboards';
import { METRICS } from '../../observability/metric-names';
import { resolveEnvironment } from '../../environments/resolve';
import { costRuleInput, dashboardInput } from '../../stacks/observability-stack';
import { tempDir } from '../support/env';
import { promtool, selectedMetrics } from '../support/promtool';
import { PRESETS, presetEnv, resourcesOf, stacksOf } from '../support/synth';
import { missingTool } from '../support/tools';
import { excerpt, factsFiles, readFacts } from '../support/upstream';

const skip = missingTool('promtool', 'apt-get install -y prometheus');

const upstreamSeries = new Set(
  factsFiles('metrics').flatMap((f) => readFacts<{ metrics: Array<{ name: string; exposed_series?: string[] }> }>(`metrics/${f}`).metrics.flatMap((m) => [m.name, ...(m.exposed_series ?? [])])),
);
/** kube-state-metrics has no metric list here: kube-prometheus-stack 88.5.3's own rules read the two series we read. */
const ksmRules = excerpt('kube-prometheus-stack/88.5.3', 'templates/prometheus/rules-1.14/k8s.rules.container_resource.yaml');

const exprs = (groups: ReturnType<typeof costRules>) => groups.flatMap((g) => g.rules.map((r) => r.expr));
const costBoard = (preset: string) => dashboards(dashboardInput(resolveEnvironment(presetEnv(preset)))).cost as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };

describe.each(PRESETS)('%s cost rules', (preset) => {
  const input = costRuleInput(resolveEnvironment(presetEnv(preset)));
  const groups = costRules(input);

  it('read only series the pinned exporters expose (kube-state-metrics: as kube-prometheus-stack\'s own rules read them) or that they record themselves', () => {
    const recorded = new Set<string>(Object.values(COST_SERIES));
    const used = new Set([...exprs(groups), ...costBoard(preset).panels.flatMap((p) => p.targets.map((t) => t.expr))].flatMap(selectedMetrics));
    expect(used).toContain(METRICS.kubeStateMetrics.podResourceRequests);
    for (const name of used) expect(upstreamSeries.has(name) || recorded.has(name) || ksmRules.includes(`${name}{`), name).toBe(true);
    expect(ksmRules).toContain(`${METRICS.kubeStateMetrics.podStatusPhase}{phase=`);
  });

  it.skipIf(skip)('promtool check rules accepts them, and every cost dashboard query parses', async () => {
    const r = await promtool(tempDir('cost-rules-'), (f) => ['check', 'rules', f], 'rules.yaml', { groups });
    expect(r.code, r.out).toBe(0);
    const queries = costBoard(preset).panels.flatMap((p) => p.targets.map((t) => t.expr));
    const d = await promtool(tempDir('cost-dash-'), (f) => ['check', 'rules', f], 'dash.yaml', { groups: [{ name: 'dash', rules: queries.map((e, i) => ({ record: `dashboard:cost_${i}`, expr: e })) }] });
    expect(d.code, d.out).toBe(0);
  });
});

describe('prod cost rules in the observability stack', () => {
  it('are their own PrometheusRule, valid against the CRD, records before the alert that reads them', () => {
    const manifests = (resourcesOf(stacksOf('prod')['prod-observability']!, 'kubernetes_manifest') as Array<{ manifest: any }>).map((m) => m.manifest);
    const rule = manifests.find((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'inference-stack-cost');
    expect(() => (new PrometheusRule(rule) as unknown as { validate(): void }).validate()).not.toThrow();
    const rules = rule.spec.groups[0].rules as Array<{ record?: string; alert?: string }>;
    expect(rules.map((r) => r.record ?? r.alert)).toEqual([
      COST_SERIES.gpuCostPerHour, COST_SERIES.poolCostPerHour, COST_SERIES.gpuCostPerHour, COST_SERIES.poolCostPerHour,
      COST_SERIES.hostedSpendPerHour, COST_SERIES.spendPerHour, 'InferenceSpendOverBudget',
    ]);
  });
});

describe('prod cost rule input', () => {
  it('prices each pool per device (an H100, half an A100 for a 3g.40gb slice), the hosted model by its provider id, the budget', () => {
    const i = costRuleInput(resolveEnvironment(presetEnv('prod')));
    expect(i.pools.map((p) => [p.name, p.pricePerDeviceHour, p.poolPerHour])).toEqual([
      // to six decimals: 24 x 2.49 is 59.760000000000005 in floating point
      ['h100', 2.49, 59.76],
      ['a100-mig', 0.945, 15.12],
    ]);
    expect(i.hostedModels).toEqual([{ provider: 'openai', model: 'gpt-4o' }]);
    expect(i.monthlyBudget).toBe(65000);
    expect(hostedSpendSelector(i.hostedModels)).toBe('litellm_spend_metric_total{model=~"(openai/)?gpt-4o"}');
    // regex characters of a model id are escaped
    expect(hostedSpendSelector([{ provider: 'openai', model: 'gpt-4.1' }])).toBe('litellm_spend_metric_total{model=~"(openai/)?gpt-4\\\\.1"}');
  });
});

describe.skipIf(skip)('promtool test rules: cost rates and the burn alert', () => {
  const input: CostRuleInput = {
    currency: 'USD',
    pools: [{ name: 'h100', nodes: ['gpu-1', 'gpu-2'], pricePerDeviceHour: 2.5, poolPerHour: 40 }],
    hostedModels: [{ provider: 'openai', model: 'gpt-4o' }],
    monthlyBudget: 40000,
  };
  const groups = costRules(input);
  const gpu = (pod: string, node: string, n: number, phase: string) => ({
    [`kube_pod_container_resource_requests{namespace="models", pod="${pod}", container="server", node="${node}", resource="nvidia_com_gpu", unit="integer"}`]: `${n}x240`,
    [`kube_pod_status_phase{namespace="models", pod="${pod}", phase="${phase}"}`]: '1x240',
    ...Object.fromEntries(['Pending', 'Running', 'Succeeded'].filter((p) => p !== phase).map((p) => [`kube_pod_status_phase{namespace="models", pod="${pod}", phase="${p}"}`, '0x240'])),
  });
  /** Running: 4 GPUs on gpu-1, 2 on gpu-2; a finished Job's 2 and a pod on a node of no pool are not held. */
  const base = {
    ...gpu('llama-0', 'gpu-1', 4, 'Running'),
    ...gpu('qwen-0', 'gpu-2', 2, 'Running'),
    ...gpu('bench-0', 'gpu-2', 2, 'Succeeded'),
    ...gpu('other-0', 'cpu-1', 8, 'Running'),
    // self-hosted spend at the gateway's per-token prices: not added (the GPUs are counted already)
    'litellm_spend_metric_total{model="llama-70b", team_alias="search"}': '0+5x240',
  };
  const series = (s: Record<string, string>) => Object.entries(s).map(([k, v]) => ({ series: k, values: v }));

  it('records 6 GPUs held x 2.5 = 15 an hour for the pool, the pool whole at 40; the alert fires only when the projected month passes 40,000', async () => {
    const dir = tempDir('cost-promtool-');
    await promtool(dir, (f) => ['check', 'rules', f], 'rules.yaml', { groups });
    const tests = [
      {
        name: 'GPUs only: 15 an hour x 730 = 10,950, under the budget',
        interval: '1m',
        input_series: series(base),
        promql_expr_test: [
          { expr: COST_SERIES.gpuCostPerHour, eval_time: '3h', exp_samples: [{ labels: `${COST_SERIES.gpuCostPerHour}{pool="h100"}`, value: 15 }] },
          { expr: COST_SERIES.poolCostPerHour, eval_time: '3h', exp_samples: [{ labels: `${COST_SERIES.poolCostPerHour}{pool="h100"}`, value: 40 }] },
          { expr: COST_SERIES.spendPerHour, eval_time: '3h', exp_samples: [{ labels: COST_SERIES.spendPerHour, value: 15 }] },
        ],
        alert_rule_test: [{ eval_time: '3h', alertname: 'InferenceSpendOverBudget', exp_alerts: [] }],
      },
      {
        name: 'hosted gpt-4o at 1 a minute (60 an hour) on top: about 75 x 730 = 54,750, over the budget',
        interval: '1m',
        input_series: series({ ...base, 'litellm_spend_metric_total{model="gpt-4o", team_alias="search"}': '0+1x240' }),
        promql_expr_test: [{ expr: `round(${COST_SERIES.hostedSpendPerHour})`, eval_time: '3h', exp_samples: [{ labels: '{}', value: 60 }] }],
        alert_rule_test: [{
          eval_time: '3h',
          alertname: 'InferenceSpendOverBudget',
          exp_alerts: [{ exp_labels: { severity: 'warning' }, exp_annotations: { summary: (groups[0]!.rules.find((r) => 'alert' in r) as { annotations: { summary: string } }).annotations.summary, runbook: (groups[0]!.rules.find((r) => 'alert' in r) as { annotations: { runbook: string } }).annotations.runbook } }],
        }],
      },
    ];
    const r = await promtool(dir, (f) => ['test', 'rules', f], 'tests.yaml', { rule_files: ['rules.yaml'], evaluation_interval: '1m', tests });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS/);
  });

  it('no budget: the recording rules only, no alert', () => {
    const rules = costRules({ ...input, monthlyBudget: undefined })[0]!.rules;
    expect(rules.some((r) => 'alert' in r)).toBe(false);
    expect(rules.filter((r) => 'record' in r).map((r) => (r as { record: string }).record)).toEqual([COST_SERIES.gpuCostPerHour, COST_SERIES.poolCostPerHour, COST_SERIES.hostedSpendPerHour, COST_SERIES.spendPerHour]);
  });
});
