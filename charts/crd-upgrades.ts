import type { CHARTS } from './pins';

/**
 * How a bump of each pinned chart that ships CRDs upgrades them. Helm installs a chart's `crds/` folder on the
 * first install only and never upgrades or deletes it; CRDs under `templates/` are release resources, upgraded
 * with the release (and deleted by an uninstall unless annotated `helm.sh/resource-policy: keep`).
 * test/stacks/reapply.test.ts fails when a pinned chart with CRDs has no entry here.
 */
export interface CrdUpgrade {
  readonly path: 'templated' | 'upgrade-hook' | 'manual';
  readonly detail: string;
}

export const CRD_UPGRADES: Partial<Record<keyof typeof CHARTS, CrdUpgrade>> = {
  gpuOperator: {
    path: 'upgrade-hook',
    detail: 'operator.upgradeCRD (default true): a pre-upgrade hook Job applies the new CRDs (templates/upgrade_crd.yaml); the release sets disable_openapi_validation, as values.yaml asks',
  },
  certManager: { path: 'templated', detail: 'crds.enabled with crds.keep (default true): upgraded with the release, kept on uninstall' },
  cloudnativePg: { path: 'templated', detail: 'crds.create: templated with helm.sh/resource-policy: keep' },
  keda: { path: 'templated', detail: 'crds.install; we add helm.sh/resource-policy: keep (crds.additionalAnnotations): an uninstall deleted every ScaledObject' },
  kubePrometheusStack: {
    path: 'manual',
    detail: 'crds/ only, crds.upgradeJob is a preview with unpinned images (busybox:latest): apply the new CRDs before the bump (README, Deploying)',
  },
  lws: { path: 'manual', detail: 'crds/ only: apply the new CRDs before the bump (README, Deploying)' },
};
