/** What a review of the synthesized output found, kept fixed. */
import { describe, expect, it } from 'vitest';
import { helmReleases, releaseValues, resourcesOf, stacksOf, statefulSets } from '../support/synth';

const prod = stacksOf('prod');
const staging = stacksOf('staging');

describe('review fixes', () => {
  it('labels DCGM series with the node of the exporter pod, which GPU alerts and dashboards select pools by', () => {
    const v = releaseValues(helmReleases(prod['prod-platform']!).find((r) => r.chart === 'gpu-operator')!) as any;
    expect(v.dcgmExporter.serviceMonitor.relabelings).toEqual([{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node', action: 'replace' }]);
  });

  it('gives no API token to pods of the default ServiceAccount in app namespaces', () => {
    // created with the namespaces, before anything runs in them
    const accounts = resourcesOf(prod['prod-namespaces']!, 'kubernetes_default_service_account_v1') as any[];
    const namespaces = Object.fromEntries(Object.entries(prod['prod-namespaces']!.resource.kubernetes_namespace_v1!).map(([id, n]) => [`\${kubernetes_namespace_v1.${id}.metadata[0].name}`, (n as any).metadata.name]));
    expect(accounts.map((sa) => namespaces[sa.metadata.namespace]).sort()).toEqual(['edge', 'gateway', 'guardrails', 'logging', 'models', 'rag']);
    for (const sa of accounts) expect(sa.automount_service_account_token, sa.metadata.namespace).toBe(false);
  });

  it('keeps the namespaces of stateful data from terraform destroy in prod only', () => {
    const lifecycle = (stacks: typeof prod, name: string) => (resourcesOf(stacks[`${name.split('/')[0]}-namespaces`]!, 'kubernetes_namespace_v1') as any[]).find((n) => n.metadata.name === name.split('/')[1])!.lifecycle;
    for (const ns of ['gateway', 'rag']) expect(lifecycle(prod, `prod/${ns}`), ns).toEqual({ prevent_destroy: true });
    for (const ns of ['models', 'edge', 'monitoring']) expect(lifecycle(prod, `prod/${ns}`), ns).toBeUndefined();
    expect(lifecycle(staging, 'staging/rag')).toBeUndefined();
  });

  it('waits for the cert-manager certificate before the edge mounts it', () => {
    const [cert] = resourcesOf(staging['staging-edge']!, 'kubernetes_manifest') as any[];
    expect(cert.wait).toEqual({ condition: [{ status: 'True', type: 'Ready' }] });
    const [deployment] = resourcesOf(staging['staging-edge']!, 'kubernetes_deployment_v1') as any[];
    expect(deployment.depends_on).toEqual([expect.stringMatching(/^kubernetes_manifest\.caddy_certificate_/)]);
  });

  it('spreads prod embedding replicas over nodes, as a requirement', () => {
    const bge = statefulSets(prod['prod-models']!)['bge-large']!;
    expect((bge.spec.template.spec as any).topology_spread_constraint).toEqual([
      { label_selector: [{ match_labels: { 'app.kubernetes.io/instance': 'bge-large', 'app.kubernetes.io/name': 'bge-large' } }], max_skew: 1, node_affinity_policy: 'Honor', node_taints_policy: 'Honor', topology_key: 'kubernetes.io/hostname', when_unsatisfiable: 'DoNotSchedule' },
    ]);
    const litellm = releaseValues(helmReleases(prod['prod-gateway']!).find((r) => r.chart === 'litellm-helm')!) as any;
    expect(litellm.topologySpreadConstraints[0].whenUnsatisfiable).toBe('DoNotSchedule');
  });

  it('sets USER for images without a passwd entry for the server UID', () => {
    const c = statefulSets(prod['prod-models']!)['llama-70b']!.spec.template.spec.container[0]!;
    expect(c.env).toContainEqual({ name: 'USER', value: 'inference' });
  });

  it('sets memory limits on the chart components it can reach', () => {
    const kps = releaseValues(helmReleases(prod['prod-platform']!).find((r) => r.chart === 'kube-prometheus-stack')!) as any;
    expect(kps.prometheusOperator.resources.limits.memory).toBe('512Mi');
    expect(kps.grafana.resources.limits.memory).toBe('1Gi');
    const cm = releaseValues(helmReleases(staging['staging-platform']!).find((r) => r.chart === 'cert-manager')!) as any;
    for (const part of ['webhook', 'cainjector', 'startupapicheck']) expect(cm[part].resources.limits.memory, part).toBeDefined();
  });
});
