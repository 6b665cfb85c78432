/** Typed values for KEDA (pinned in `CHARTS.keda`). */
export function kedaValues(): object {
  const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1000Mi' } };
  return {
    crds: { install: true },
    resources: { operator: resources, metricServer: resources, webhooks: resources },
  };
}
