import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helmReleases, releaseValues, resourcesOf, stacksOf } from '../support/synth';
import { excerpt } from '../support/upstream';

const MODELS = { ServiceMonitor, PodMonitor, PrometheusRule } as const;
/** The Prometheus Operator's schema check (its base class's types do not resolve under CommonJS settings). */
const validate = (m: { kind: keyof typeof MODELS }) => (new MODELS[m.kind](m as never) as unknown as { validate(): void }).validate();

describe('observability of the prod preset', () => {
  const stacks = stacksOf('prod');
  const tf = stacks['prod-observability']!;
  const manifests = (resourcesOf(tf, 'kubernetes_manifest') as any[]).map((m) => m.manifest);

  it('installs kube-prometheus-stack with its CRDs first, Grafana admin by Secret reference', () => {
    const platform = stacks['prod-platform']!;
    const kps = helmReleases(platform).find((r) => r.chart === 'kube-prometheus-stack')!;
    expect(kps.version).toBe('88.5.3');
    const v = releaseValues(kps) as any;
    expect(v.crds).toEqual({ enabled: true });
    expect(v.prometheus.prometheusSpec).toMatchObject({ retention: '15d', serviceMonitorSelectorNilUsesHelmValues: false, ruleSelectorNilUsesHelmValues: false });
    expect(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe('50Gi');
    expect(v.grafana.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' });
    expect(v.grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: 'grafana_dashboard', searchNamespace: 'ALL' });
    const gpuOperator = helmReleases(platform).find((r) => r.chart === 'gpu-operator') as any;
    expect(gpuOperator.depends_on).toEqual([expect.stringMatching(/^helm_release\.monitoring_release_/)]);
  });

  it('scrapes every model server, the gateway and its database, the edge and the vector store; each valid against the CRD schema', () => {
    const targets = manifests.filter((m) => m.kind !== 'PrometheusRule');
    expect(targets.map((m) => `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual([
      'PodMonitor gateway/litellm-db',
      'PodMonitor rag/rag-db',
      'ServiceMonitor edge/edge',
      'ServiceMonitor gateway/litellm',
      'ServiceMonitor models/model-servers',
    ]);
    for (const m of manifests) expect(() => validate(m), `${m.kind} ${m.metadata.name}`).not.toThrow();
    const servers = targets.find((m) => m.metadata.name === 'model-servers');
    expect(servers.spec.selector.matchExpressions).toContainEqual({ key: 'inference-stack.io/engine', operator: 'In', values: ['vllm', 'tgi', 'tei'] });
  });

  it('writes the alert rules as one PrometheusRule, with the per-model and per-pool alerts', () => {
    const rule = manifests.find((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'inference-stack');
    const alerts = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => `${r.alert}${r.labels.model ? `:${r.labels.model}` : ''}${r.labels.pool ? `:${r.labels.pool}` : ''}${r.labels.team ? `:${r.labels.team}` : ''}`));
    expect(alerts).toEqual(expect.arrayContaining([
      'InferenceModelDown:llama-70b', 'InferenceKvCacheNearFull:gpt-oss-120b', 'InferenceTtftOverSlo:qwen-7b',
      'GpuXidError:h100', 'GpuXidError:a100-mig', 'GatewayBudgetNearlyExhausted:search', 'GatewayBudgetNearlyExhausted:support', 'EdgeDown', 'VectorStoreDown',
    ]));
    // prod's edge certificate is a Secret, not cert-manager's: no expiry metric to alert on
    expect(alerts).not.toContain('EdgeCertificateExpiring');
  });

  it('loads the five dashboards through the Grafana sidecar, with model and pool variables', () => {
    const cms = resourcesOf(tf, 'kubernetes_config_map_v1') as any[];
    expect(cms.map((c) => c.metadata.name).sort()).toEqual(['inference-dashboard-cost', 'inference-dashboard-gateway', 'inference-dashboard-gpus', 'inference-dashboard-model-serving', 'inference-dashboard-rag']);
    for (const c of cms) expect(c.metadata.labels).toEqual({ grafana_dashboard: '1' });
    const models = JSON.parse(cms.find((c) => c.metadata.name.endsWith('model-serving')).data['model-serving.json']);
    expect(models.templating.list[0].options.map((o: any) => o.value)).toEqual(['llama-70b', 'gpt-oss-120b', 'qwen-7b']);
    const gpus = JSON.parse(cms.find((c) => c.metadata.name.endsWith('gpus')).data['gpus.json']);
    expect(gpus.templating.list[0].options).toEqual([
      { text: 'h100', value: 'prod-h100-01|prod-h100-02|prod-h100-03', selected: false },
      { text: 'a100-mig', value: 'prod-a100-01', selected: false },
    ]);
  });

  it('lets monitoring reach the metrics ports through every namespace policy', () => {
    for (const [stack, ns] of [['prod-models', 'models'], ['prod-gateway', 'gateway'], ['prod-rag', 'rag'], ['prod-edge', 'edge']] as const) {
      const names = (resourcesOf(stacks[stack]!, 'kubernetes_network_policy_v1') as any[]).map((p) => p.metadata.name);
      expect(names, ns).toContain('allow-monitoring');
    }
  });
});

it('staging alerts on its cert-manager certificate', () => {
  const tf = stacksOf('staging')['staging-observability']!;
  const rule = (resourcesOf(tf, 'kubernetes_manifest') as any[]).map((m) => m.manifest).find((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'inference-stack');
  expect(rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert))).toContain('EdgeCertificateExpiring');
});

describe('staging: the edge certificate expiry signal (cert-manager)', () => {
  const stacks = stacksOf('staging');
  const manifests = (resourcesOf(stacks['staging-observability']!, 'kubernetes_manifest') as any[]).map((m) => m.manifest);
  const certManager = helmReleases(stacks['staging-platform']!).find((r) => r.chart === 'cert-manager')!;

  it("scrapes cert-manager's controller, keeping the Certificate's namespace label (honorLabels), valid against the CRD", () => {
    const monitor = manifests.find((m) => m.kind === 'ServiceMonitor' && m.metadata.namespace === 'cert-manager');
    expect(monitor, 'a ServiceMonitor in the cert-manager namespace').toBeDefined();
    expect(() => validate(monitor)).not.toThrow();
    // certmanager_certificate_expiration_timestamp_seconds carries the Certificate's `namespace`: without
    // honorLabels the target's namespace (cert-manager) wins and the series' own becomes `exported_namespace`.
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http-metrics', path: '/metrics', honorLabels: true })]);
    // the controller's metrics Service as the chart renders it (templates/service.yaml at v1.21.1): rendered only
    // with prometheus.enabled, port named http-metrics, labelled with the chart name and component controller
    const template = excerpt(`cert-manager/${certManager.version}`, 'templates/service.yaml');
    expect(template).toMatch(/name: http-metrics/);
    expect(template).toMatch(/app\.kubernetes\.io\/component: "controller"/);
    expect(monitor.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/instance': certManager.name, 'app.kubernetes.io/component': 'controller' });
    expect((releaseValues(certManager) as any).prometheus).toMatchObject({ enabled: true });
  });

  it('alerts on the expiry and on a missing expiry signal', () => {
    const rule = manifests.find((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'inference-stack');
    const alerts = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(alerts).toEqual(expect.arrayContaining(['EdgeCertificateExpiring', 'EdgeCertificateExpiryUnknown']));
  });
});

it('prod (certificate from a Secret) has no cert-manager scrape target and no expiry alert: stated in README', () => {
  const tf = stacksOf('prod')['prod-observability']!;
  const manifests = (resourcesOf(tf, 'kubernetes_manifest') as any[]).map((m) => m.manifest);
  expect(manifests.filter((m) => m.metadata.namespace === 'cert-manager')).toEqual([]);
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  expect(readme).toMatch(/certificate from a\s+Secret has no expiry signal/i);
});
