/** Typed values for KEDA (pinned in `CHARTS.keda`). */
export function kedaValues(): object {
  const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1000Mi' } };
  return {
    // The CRDs are templates (release resources): kept on an uninstall, which would otherwise delete every
    // ScaledObject with them. Every templates/crds/*.yaml reads crds.additionalAnnotations.
    crds: { install: true, additionalAnnotations: { 'helm.sh/resource-policy': 'keep' } },
    resources: { operator: resources, metricServer: resources, webhooks: resources },
  };
}
