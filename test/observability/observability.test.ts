/**
 * Alert rules and dashboards: metric names exist upstream; promtool accepts the rules of every preset and every
 * dashboard query; and promtool's unit tests show each alert firing on a bad series and silent on healthy ones.
 */
import { describe, expect, it } from 'vitest';
import { alertRules, type AlertInput, type RuleGroup } from '../../observability/alert-rules';
import { imagePullSeconds } from '../../catalog/startup';
import { dashboards } from '../../observability/dashboards';
import { METRICS } from '../../observability/metric-names';
import { alertInput, dashboardInput } from '../../stacks/observability-stack';
import { tempDir } from '../support/env';
import { excerpt, factsFiles, readFacts } from '../support/upstream';
import { promtool, selectedMetrics } from '../support/promtool';
import { presetEnv, PRESETS } from '../support/synth';
import { missingTool } from '../support/tools';
import { resolveEnvironment } from '../../environments/resolve';

const skip = missingTool('promtool', 'apt-get install -y prometheus');

/** Every series name the upstream metric lists expose. */
function upstreamSeries(): Set<string> {
  const out = new Set<string>();
  for (const f of factsFiles('metrics')) {
    const d = readFacts<{ metrics: Array<{ name: string; type: string; exposed_series?: string[] }> }>(`metrics/${f}`);
    for (const m of d.metrics) {
      out.add(m.name);
      for (const s of m.exposed_series ?? []) out.add(s);
      if (m.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) out.add(`${m.name}${suffix}`);
    }
  }
  return out;
}
const UPSTREAM_SERIES = upstreamSeries();
/**
 * Series that come from Prometheus itself or from exporters without an upstream list here. kube-state-metrics'
 * kube_statefulset_replicas is read by kube-prometheus-stack 88.5.3's own rules
 * (templates/prometheus/rules-1.14/kubernetes-apps.yaml), whose kube-state-metrics subchart is on by default.
 */
const NOT_IN_UPSTREAM_LISTS = new Set<string>([METRICS.prometheus.up, METRICS.certManager.expiration, METRICS.kubeStateMetrics.statefulSetReplicas, METRICS.kubeStateMetrics.podStatusReady]);

it('kube_pod_status_ready, as our slow-start alert reads it, is what kube-prometheus-stack 88.5.3 KubePodNotReady reads', () => {
  const text = excerpt('kube-prometheus-stack/88.5.3', 'templates/prometheus/rules-1.14/kubernetes-apps.yaml');
  expect(text).toContain(`${METRICS.kubeStateMetrics.podStatusReady}{`);
  expect(text).toContain('condition="true"} == 0');
});

const dashboardExprs = (d: Record<string, object>) =>
  Object.values(d).flatMap((dash) => (dash as { panels: Array<{ targets: Array<{ expr: string }> }> }).panels.flatMap((p) => p.targets.map((t) => t.expr)));
/** Grafana's variables as promtool can read them. */
const concrete = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replace(/\$\w+/g, '.+');

describe.each(PRESETS)('%s preset', (preset) => {
  const env = presetEnv(preset);
  const groups = alertRules(alertInput(resolveEnvironment(env)));
  const boards = dashboards(dashboardInput(resolveEnvironment(env)));

  it('reads only metric series the pinned exporters expose', () => {
    const used = new Set([...groups.flatMap((g) => g.rules.map((r) => r.expr)), ...dashboardExprs(boards)].flatMap(selectedMetrics));
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(UPSTREAM_SERIES.has(name) || NOT_IN_UPSTREAM_LISTS.has(name), name).toBe(true);
  });

  it('has a severity, a summary and a runbook on every alert, and an alert per model and pool', () => {
    const rules = groups.flatMap((g) => g.rules);
    for (const r of rules) {
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
      expect(r.annotations.runbook.length).toBeGreaterThan(40);
    }
    for (const m of env.models.filter((x) => x.engine !== 'ollama')) expect(rules.filter((r) => r.labels.model === m.name).map((r) => r.alert)).toContain('InferenceModelDown');
    for (const p of env.gpuPools) expect(rules.filter((r) => r.labels.pool === p.name).map((r) => r.alert).sort()).toEqual(['GpuTemperatureHigh', 'GpuUncorrectableMemoryErrors', 'GpuXidError']);
  });

  it.skipIf(skip)('promtool check rules accepts the alert rules', async () => {
    const r = await promtool(tempDir('rules-'), (f) => ['check', 'rules', f], 'rules.yaml', { groups });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.skipIf(skip)('every dashboard query parses (checked as recording rules)', async () => {
    const exprs = dashboardExprs(boards);
    const r = await promtool(tempDir('dash-'), (f) => ['check', 'rules', f], 'dashboards.yaml', {
      groups: [{ name: 'dashboards', rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: concrete(e) })) }],
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});

describe('GPU utilisation on MIG pools', () => {
  // dcgm-exporter reports DCGM_FI_DEV_GPU_UTIL per physical GPU only; MIG instances get the profiling metrics, which the
  // GPU Operator's collector file enables (metrics/dcgm-exporter-4.5.3-4.8.2.json: which_file_is_used, dcp-metrics-included.csv).
  it('reads the graphics-engine activity of MIG instances, and the plain utilisation of whole GPUs', () => {
    const board = dashboards({ models: [], pools: [{ name: 'h100', nodes: ['h1'], mig: false }, { name: 'a100-mig', nodes: ['m1'], mig: true }] }).gpus as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const exprs = board.panels.find((p) => p.title === 'GPU utilisation')!.targets.map((t) => t.expr);
    expect(exprs.find((e) => e.includes(METRICS.dcgm.utilisation))).toMatch(/node=~"h1"/);
    const mig = exprs.find((e) => e.includes(METRICS.dcgm.graphicsEngineActive))!;
    expect(mig).toMatch(/node=~"m1"/);
    expect(mig).toMatch(/GPU_I_PROFILE/);
    expect(exprs.find((e) => e.includes(METRICS.dcgm.utilisation))).not.toMatch(/m1/);
  });
});

describe('InferenceModelSlowStart waits the startup budget plus the image pull', () => {
  it('for: = budget + the engine image pull allowance (the one rolloutTimeouts adds), in the summary too', () => {
    const rules = (engine: 'vllm' | 'tgi') =>
      alertRules({
        models: [{ name: 'm', engine, replicas: 1, ttftSloSeconds: 2, workload: 'm', scaleToZero: false, startupBudgetSeconds: 600 }],
        embeddings: [], pools: [], teams: [],
        slo: { errorRatio: 0.05, queuePerReplica: 16, kvCacheUsage: 0.95, gpuTemperatureCelsius: 85, budgetRemainingRatio: 0.1, certificateDays: 14 },
      }).flatMap((g) => g.rules).find((r) => r.alert === 'InferenceModelSlowStart')!;
    // vLLM and TGI images 10 GB at 25 MB/s: 400 s (Ollama gets no model rules)
    expect(imagePullSeconds('vllm')).toBe(400);
    expect(rules('vllm').for).toBe('1000s');
    expect(rules('tgi').for).toBe(`${600 + imagePullSeconds('tgi')}s`);
    expect(rules('vllm').annotations.summary).toContain('600 s) and image pull (400 s)');
  });
});

describe.skipIf(skip)('promtool test rules: each alert fires on a bad series and stays silent on healthy ones', () => {
  const input: AlertInput = {
    models: [
      { name: 'llama', engine: 'vllm', replicas: 2, ttftSloSeconds: 2, workload: 'llama', scaleToZero: false, startupBudgetSeconds: 600 },
      { name: 'mistral', engine: 'tgi', replicas: 1, ttftSloSeconds: 2, workload: 'mistral', scaleToZero: false },
      // a dev model the autoscaler takes down to zero replicas when idle
      { name: 'sleepy', engine: 'vllm', replicas: 1, ttftSloSeconds: 2, workload: 'sleepy', scaleToZero: true },
    ],
    embeddings: [{ name: 'bge', replicas: 1 }],
    pools: [{ name: 'h100', nodes: ['gpu-1', 'gpu-2'] }],
    teams: ['search'],
    edge: { certificateFromCertManager: true },
    vectorStore: 'qdrant',
    slo: { errorRatio: 0.05, queuePerReplica: 16, kvCacheUsage: 0.95, gpuTemperatureCelsius: 85, budgetRemainingRatio: 0.1, certificateDays: 14 },
  };
  const groups: RuleGroup[] = alertRules(input);

  /** A healthy cluster for 30 minutes: every target up, low usage, no errors, budget left. */
  const healthy = (): Record<string, string> => {
    const s: Record<string, string> = {};
    for (const [ns, svc] of [['models', 'llama'], ['models', 'mistral'], ['models', 'bge'], ['gateway', 'litellm'], ['edge', 'edge-internal'], ['rag', 'qdrant']]) s[`up{namespace="${ns}", service="${svc}"}`] = '1x30';
    s['vllm:kv_cache_usage_perc{model_name="llama", engine="0"}'] = '0.5x30';
    s['vllm:num_requests_waiting{model_name="llama", engine="0"}'] = '2x30';
    for (const le of ['0.5', '1', '2.5', '+Inf']) s[`vllm:time_to_first_token_seconds_bucket{model_name="llama", le="${le}"}`] = `0+${le === '0.5' ? 9 : 10}x30`;
    s['tgi_queue_size{namespace="models", service="mistral"}'] = '1x30';
    s['te_queue_size{namespace="models", service="bge"}'] = '0x30';
    for (const model of ['llama', 'mistral', 'bge']) {
      s[`litellm_deployment_total_requests_total{requested_model="${model}"}`] = '0+100x30';
      s[`litellm_deployment_failure_responses_total{requested_model="${model}"}`] = '0+1x30';
    }
    s['litellm_proxy_total_requests_metric_total'] = '0+300x30';
    s['litellm_proxy_failed_requests_metric_total'] = '0+3x30';
    s['litellm_remaining_team_budget_metric{team_alias="search"}'] = '800x30';
    s['litellm_team_max_budget_metric{team_alias="search"}'] = '1000x30';
    for (const node of ['gpu-1', 'gpu-2']) {
      s[`DCGM_FI_DEV_XID_ERRORS{node="${node}", gpu="0"}`] = '0x30';
      s[`DCGM_FI_DEV_GPU_TEMP{node="${node}", gpu="0"}`] = '60x30';
      s[`DCGM_FI_DEV_ROW_REMAP_FAILURE{node="${node}", gpu="0"}`] = '0x30';
      s[`DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS{node="${node}", gpu="0"}`] = '0x30';
    }
    s['certmanager_certificate_expiration_timestamp_seconds{namespace="edge", name="edge-tls"}'] = `${60 * 86400}x30`;
    // scaled to zero: no replica wanted, none up
    s['kube_statefulset_replicas{namespace="models", statefulset="sleepy"}'] = '0x30';
    for (const pod of ['llama-0', 'llama-1']) s[`kube_pod_status_ready{namespace="models", pod="${pod}", condition="true"}`] = '1x30';
    return s;
  };

  /** Unusual but fine: every alert stays silent. */
  const quiet: Array<{ what: string; change: Record<string, string> }> = [
    // DCGM_FI_DEV_XID_ERRORS keeps the last XID code forever: one 20 minutes old is not news any more
    { what: 'an old XID', change: { 'DCGM_FI_DEV_XID_ERRORS{node="gpu-2", gpu="0"}': '0x5 79x25' } },
    // woken by a request: the replica is wanted and up
    // a replica that loads for 8 minutes, within its 10-minute startup budget, then serves
    { what: 'a replica starting within its budget', change: { 'kube_pod_status_ready{namespace="models", pod="llama-1", condition="true"}': '1x10 0x8 1x12' } },
    // not Ready for 15 minutes at evaluation: past the 10-minute probe budget, but within it plus the vLLM image's
    // pull allowance (10 GB at 25 MB/s = 400 s): kube_pod_status_ready is 0 from the pod's creation, pull included
    { what: 'a replica pulling its image, then starting within its budget', change: { 'kube_pod_status_ready{namespace="models", pod="llama-1", condition="true"}': '1x10 0x15' } },
    // the prefetch Job's pod of the same model is not a replica
    { what: "the model's prefetch Job", change: { 'kube_pod_status_ready{namespace="models", pod="llama-prefetch-526c4747-x2x9z", condition="true"}': '0x30' } },
    { what: 'a scale-to-zero model woken and serving', change: { 'kube_statefulset_replicas{namespace="models", statefulset="sleepy"}': '0x10 1x20', 'up{namespace="models", service="sleepy"}': '_x12 1x18' } },
  ];

  const cases: Array<{ alert: string; change: Record<string, string>; labels: Record<string, string> }> = [
    { alert: 'InferenceModelDown', change: { 'up{namespace="models", service="llama"}': '0x30' }, labels: { model: 'llama', severity: 'critical' } },
    // a replica not Ready 20 minutes after it was created, with a 10-minute planned budget and a 400 s image pull
    { alert: 'InferenceModelSlowStart', change: { 'kube_pod_status_ready{namespace="models", pod="llama-1", condition="true"}': '1x5 0x25' }, labels: { model: 'llama', severity: 'warning', pod: 'llama-1' } },
    { alert: 'InferenceKvCacheNearFull', change: { 'vllm:kv_cache_usage_perc{model_name="llama", engine="0"}': '0.99x30' }, labels: { model: 'llama', severity: 'warning' } },
    { alert: 'InferenceQueueGrowing', change: { 'vllm:num_requests_waiting{model_name="llama", engine="0"}': '40x30' }, labels: { model: 'llama', severity: 'warning' } },
    { alert: 'InferenceTtftOverSlo', change: Object.fromEntries(['0.5', '1', '2.5', '+Inf'].map((le) => [`vllm:time_to_first_token_seconds_bucket{model_name="llama", le="${le}"}`, `0+${le === '+Inf' ? 10 : 1}x30`])), labels: { model: 'llama', severity: 'warning' } },
    { alert: 'InferenceErrorRate', change: { 'litellm_deployment_failure_responses_total{requested_model="mistral"}': '0+20x30' }, labels: { model: 'mistral', severity: 'critical' } },
    { alert: 'EmbeddingServerDown', change: { 'up{namespace="models", service="bge"}': '0x30' }, labels: { model: 'bge', severity: 'critical' } },
    { alert: 'GpuXidError', change: { 'DCGM_FI_DEV_XID_ERRORS{node="gpu-2", gpu="0"}': '0x20 79x10' }, labels: { pool: 'h100', severity: 'critical', node: 'gpu-2', gpu: '0' } },
    // a second XID with another code, long after the first: the change fires again
    { alert: 'GpuXidError', change: { 'DCGM_FI_DEV_XID_ERRORS{node="gpu-2", gpu="0"}': '0x5 79x15 48x10' }, labels: { pool: 'h100', severity: 'critical', node: 'gpu-2', gpu: '0' } },
    // a scale-to-zero model that should run (the autoscaler asked for a replica) and has not come up in 15 minutes
    { alert: 'InferenceModelDown', change: { 'kube_statefulset_replicas{namespace="models", statefulset="sleepy"}': '0x5 1x25' }, labels: { model: 'sleepy', severity: 'critical' } },
    { alert: 'GpuTemperatureHigh', change: { 'DCGM_FI_DEV_GPU_TEMP{node="gpu-1", gpu="0"}': '95x30' }, labels: { pool: 'h100', severity: 'warning', node: 'gpu-1', gpu: '0' } },
    { alert: 'GpuUncorrectableMemoryErrors', change: { 'DCGM_FI_DEV_ROW_REMAP_FAILURE{node="gpu-1", gpu="0"}': '0x10 1x20' }, labels: { pool: 'h100', severity: 'critical', node: 'gpu-1', gpu: '0' } },
    { alert: 'GatewayDown', change: { 'up{namespace="gateway", service="litellm"}': '0x30' }, labels: { severity: 'critical' } },
    { alert: 'GatewayErrorRate', change: { litellm_proxy_failed_requests_metric_total: '0+30x30' }, labels: { severity: 'critical' } },
    { alert: 'EmbeddingQueueGrowing', change: { 'te_queue_size{namespace="models", service="bge"}': '40x30' }, labels: { model: 'bge', severity: 'warning' } },
    { alert: 'EdgeDown', change: { 'up{namespace="edge", service="edge-internal"}': '0x30' }, labels: { severity: 'critical' } },
    { alert: 'GatewayBudgetNearlyExhausted', change: { 'litellm_remaining_team_budget_metric{team_alias="search"}': '50x30' }, labels: { team: 'search', severity: 'warning' } },
    { alert: 'EdgeCertificateExpiring', change: { 'certmanager_certificate_expiration_timestamp_seconds{namespace="edge", name="edge-tls"}': `${3 * 86400}x30` }, labels: { severity: 'warning', namespace: 'edge', name: 'edge-tls' } },
    { alert: 'EdgeCertificateExpiryUnknown', change: { 'certmanager_certificate_expiration_timestamp_seconds{namespace="edge", name="edge-tls"}': '_x30' }, labels: { severity: 'warning', namespace: 'edge', name: 'edge-tls' } },
    // scraped without honorLabels, the Certificate's namespace would be renamed: the expiry alert could not match
    {
      alert: 'EdgeCertificateExpiryUnknown',
      change: {
        'certmanager_certificate_expiration_timestamp_seconds{namespace="edge", name="edge-tls"}': '_x30',
        'certmanager_certificate_expiration_timestamp_seconds{namespace="cert-manager", exported_namespace="edge", name="edge-tls"}': `${3 * 86400}x30`,
      },
      labels: { severity: 'warning', namespace: 'edge', name: 'edge-tls' },
    },
    { alert: 'VectorStoreDown', change: { 'up{namespace="rag", service="qdrant"}': '0x30' }, labels: { store: 'qdrant', severity: 'critical' } },
  ];
  const allAlerts = [...new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)))];

  it('covers every alert the generator writes', () => {
    expect(new Set(cases.map((c) => c.alert))).toEqual(new Set(allAlerts));
  });

  it('fires exactly the broken alert, and nothing on the healthy cluster', async () => {
    const dir = tempDir('promtool-');
    const rulesFile = 'rules.yaml';
    await promtool(dir, (f) => ['check', 'rules', f], rulesFile, { groups });
    const series = (s: Record<string, string>) => Object.entries(s).map(([k, v]) => ({ series: k, values: v }));
    const tests = [
      // healthy: at 25 minutes every alert is silent
      { interval: '1m', input_series: series(healthy()), alert_rule_test: allAlerts.map((a) => ({ eval_time: '25m', alertname: a, exp_alerts: [] })) },
      ...cases.map((c) => ({
        interval: '1m',
        input_series: series({ ...healthy(), ...c.change }),
        alert_rule_test: allAlerts.map((a) => ({ eval_time: '25m', alertname: a, exp_alerts: a === c.alert ? [{ exp_labels: c.labels, exp_annotations: expectedAnnotations(groups, c.alert, c.labels) }] : [] })),
      })),
      ...quiet.map((c) => ({
        name: c.what,
        interval: '1m',
        input_series: series({ ...healthy(), ...c.change }),
        alert_rule_test: allAlerts.map((a) => ({ eval_time: '25m', alertname: a, exp_alerts: [] })),
      })),
    ];
    const r = await promtool(dir, (f) => ['test', 'rules', f], 'tests.yaml', { rule_files: [rulesFile], evaluation_interval: '1m', tests });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS/);
  });
});

function expectedAnnotations(groups: RuleGroup[], alert: string, labels: Record<string, string>) {
  const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === alert && Object.entries(r.labels).every(([k, v]) => labels[k] === v))!;
  return { ...rule.annotations };
}
