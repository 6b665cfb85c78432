/** Typed values for cert-manager (pinned in `CHARTS.certManager`). */
export function certManagerValues(): object {
  return {
    crds: { enabled: true },
    replicaCount: 1,
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  };
}
