/** Typed values for kube-prometheus-stack (pinned in `CHARTS.kubePrometheusStack`) and its Grafana. */

export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

export interface KubePrometheusStackValuesOptions {
  readonly retentionDays: number;
  readonly storageGiB: number;
  readonly storageClass?: string;
  readonly grafanaAdminSecret: { readonly name: string; readonly userKey: string; readonly passwordKey: string };
}

export function kubePrometheusStackValues(o: KubePrometheusStackValuesOptions): object {
  const claim = (size: string) => ({
    volumeClaimTemplate: {
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...(o.storageClass ? { storageClassName: o.storageClass } : {}) },
    },
  });
  return {
    // The CRDs (ServiceMonitor, PodMonitor, PrometheusRule) come with the platform stack, before anything uses them.
    crds: { enabled: true },
    prometheus: {
      prometheusSpec: {
        retention: `${o.retentionDays}d`,
        storageSpec: claim(`${o.storageGiB}Gi`),
        // Select every ServiceMonitor, PodMonitor and rule in the cluster, not only the chart's own.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '8Gi' } },
      },
    },
    prometheusOperator: { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } } },
    alertmanager: { alertmanagerSpec: { storage: claim('2Gi'), resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } } } },
    grafana: {
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      admin: { existingSecret: o.grafanaAdminSecret.name, userKey: o.grafanaAdminSecret.userKey, passwordKey: o.grafanaAdminSecret.passwordKey },
      sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL, labelValue: '1', searchNamespace: 'ALL' } },
    },
  };
}
