/** Typed values for cert-manager (pinned in `CHARTS.certManager`). */
export function certManagerValues(): object {
  return {
    crds: { enabled: true },
    replicaCount: 1,
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    webhook: { resources: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '128Mi' } } },
    cainjector: { resources: { requests: { cpu: '20m', memory: '128Mi' }, limits: { memory: '256Mi' } } },
    startupapicheck: { resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } },
  };
}
