import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { KUBE_PROMETHEUS_STACK_POD_SECURITY, KubePrometheusStack, type KubePrometheusStackProps } from '../../constructs/kube-prometheus-stack';
import { PodSecurityNamespace } from '../../constructs/pod-security-namespace';
import { expectResource, onlyReleaseValues, synthScope } from '../support/construct';

const base: KubePrometheusStackProps = {
  namespace: 'monitoring',
  retentionDays: 15,
  storageGiB: 50,
  grafanaAdminSecret: { name: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' },
  alerting: { receivers: [], routes: { critical: [], warning: [], info: [] } },
};
const synth = (p: Partial<KubePrometheusStackProps> = {}) => synthScope((s) => new KubePrometheusStack(s, 'monitoring', { ...base, ...p }));

describe('KubePrometheusStack', () => {
  it('installs the pinned chart with its CRDs, with the release safety settings', () => {
    const json = synth();
    expectResource(json, 'helm_release', { name: 'kube-prometheus-stack', namespace: 'monitoring', chart: CHARTS.kubePrometheusStack.chart, version: CHARTS.kubePrometheusStack.version, atomic: true, wait: true, timeout: 900, max_history: 5 });
    expect(onlyReleaseValues(json).crds).toEqual({ enabled: true });
  });

  it('keeps the retention on a claim of the given size, and selects every monitor and rule of the cluster', () => {
    const spec = onlyReleaseValues(synth({ storageClass: 'fast' })).prometheus.prometheusSpec;
    expect(spec.retention).toBe('15d');
    expect(spec.storageSpec.volumeClaimTemplate.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'fast' });
    for (const k of ['serviceMonitor', 'podMonitor', 'rule', 'probe']) expect(spec[`${k}SelectorNilUsesHelmValues`], k).toBe(false);
  });

  it('takes the Grafana admin from an existing Secret and loads dashboards from labelled ConfigMaps of every namespace', () => {
    const { grafana } = onlyReleaseValues(synth());
    expect(grafana.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' });
    expect(grafana.sidecar.dashboards).toEqual({ enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' });
    expect(JSON.stringify(grafana)).not.toMatch(/adminPassword/);
  });

  it('routes each severity to each of its receivers, reading their credentials from mounted Secrets only', () => {
    const json = synth({
      alerting: {
        receivers: [
          { name: 'oncall', type: 'pagerduty', routingKeySecret: { name: 'pd', key: 'routing-key' } },
          { name: 'chat', type: 'slack', channel: '#alerts', webhookUrlSecret: { name: 'slack', key: 'url' } },
        ],
        routes: { critical: ['oncall', 'chat'], warning: ['chat'], info: [] },
      },
    });
    const { alertmanager } = onlyReleaseValues(json);
    expect(alertmanager.alertmanagerSpec.secrets).toEqual(['pd', 'slack']);
    expect(alertmanager.config.route.routes).toEqual([
      // the Watchdog heartbeat goes nowhere unless a receiver is set up for it
      { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
      { receiver: 'oncall', matchers: ['severity = "critical"'], continue: true },
      { receiver: 'chat', matchers: ['severity = "critical"'], continue: true },
      { receiver: 'chat', matchers: ['severity = "warning"'], continue: true },
    ]);
    const receivers = Object.fromEntries((alertmanager.config.receivers as Array<{ name: string }>).map((r) => [r.name, r]));
    expect(receivers.oncall).toEqual({ name: 'oncall', pagerduty_configs: [{ routing_key_file: '/etc/alertmanager/secrets/pd/routing-key', send_resolved: true }] });
    expect(receivers.chat).toEqual({ name: 'chat', slack_configs: [{ channel: '#alerts', api_url_file: '/etc/alertmanager/secrets/slack/url', send_resolved: true }] });
  });

  it('mounts no Secret into Alertmanager when no receiver reads one', () => {
    expect(onlyReleaseValues(synth()).alertmanager.alertmanagerSpec.secrets).toBeUndefined();
  });

  it('states why its namespace is privileged, which PodSecurityNamespace requires', () => {
    const json = synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'monitoring', role: 'platform', ...KUBE_PROMETHEUS_STACK_POD_SECURITY }));
    expectResource(json, 'kubernetes_namespace_v1', { metadata: { name: 'monitoring', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
    expect(() => synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'monitoring', role: 'platform', level: 'privileged' }))).toThrow(/props\.exceptionReason: missing, and level "privileged" relaxes/);
  });
});
