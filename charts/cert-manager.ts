/** Typed values for cert-manager (pinned in `CHARTS.certManager`). */

/** Release and namespace name. */
export const CERT_MANAGER_NAME = 'cert-manager';
/** Labels of the controller's metrics Service (templates/service.yaml at v1.21.1; the chart's name is the release's). */
export const CERT_MANAGER_METRICS_SERVICE = {
  labels: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/instance': CERT_MANAGER_NAME, 'app.kubernetes.io/component': 'controller' },
  port: 'http-metrics',
} as const;

export function certManagerValues(): object {
  return {
    crds: { enabled: true },
    // The controller's metrics Service (port http-metrics, 9402), which the observability stack's ServiceMonitor
    // scrapes: the edge certificate's expiry (certmanager_certificate_expiration_timestamp_seconds) comes from it.
    // Not the chart's own ServiceMonitor: its CRD may not exist yet when the platform stack installs cert-manager.
    prometheus: { enabled: true },
    replicaCount: 1,
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    webhook: { resources: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '128Mi' } } },
    cainjector: { resources: { requests: { cpu: '20m', memory: '128Mi' }, limits: { memory: '256Mi' } } },
    startupapicheck: { resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } },
  };
}
