/**
 * The Helm charts we install, each pinned to an exact version.
 *
 * `upstreamData` names the folder under `../shared/upstream/charts/` that holds that version's values.yaml: tests
 * check every value key we set against it. To pin a newer version, bring its upstream data first.
 */
export interface ChartRef {
  /** Chart name in its repository. */
  readonly chart: string;
  /** Helm repository URL (or OCI registry path). */
  readonly repository: string;
  /** Exact chart version. */
  readonly version: string;
  /** Folder of the pinned version's upstream data, relative to `shared/upstream/charts/`. */
  readonly upstreamData: string;
}

export const CHARTS = {
  gpuOperator: {
    chart: 'gpu-operator',
    repository: 'https://helm.ngc.nvidia.com/nvidia',
    version: 'v26.7.0',
    upstreamData: 'gpu-operator/v26.7.0',
  },
  kubePrometheusStack: {
    chart: 'kube-prometheus-stack',
    repository: 'https://prometheus-community.github.io/helm-charts',
    version: '88.5.3',
    upstreamData: 'kube-prometheus-stack/88.5.3',
  },
  // Operator 1.30.0. Do not move to 1.31 or later before backups leave in-tree Barman Cloud for the plugin
  // (charts/cloudnative-pg.ts IN_TREE_BARMAN_REMOVED_IN; a test fails on the bump).
  cloudnativePg: {
    chart: 'cloudnative-pg',
    repository: 'https://cloudnative-pg.github.io/charts',
    version: '0.29.0',
    upstreamData: 'cloudnative-pg/0.29.0',
  },
  postgresCluster: {
    chart: 'cluster',
    repository: 'https://cloudnative-pg.github.io/charts',
    version: '0.8.1',
    upstreamData: 'cluster/0.8.1',
  },
  qdrant: {
    chart: 'qdrant',
    repository: 'https://qdrant.github.io/qdrant-helm',
    version: '1.19.0',
    upstreamData: 'qdrant/1.19.0',
  },
  /** LeaderWorkerSet: multi-node serving groups. */
  lws: {
    chart: 'lws',
    repository: 'oci://registry.k8s.io/lws/charts',
    version: '0.10.0',
    upstreamData: 'lws/0.10.0',
  },
  /** KEDA: autoscaling model servers on queue depth and KV-cache usage. */
  keda: {
    chart: 'keda',
    repository: 'https://kedacore.github.io/charts',
    version: '2.20.2',
    upstreamData: 'keda/2.20.2',
  },
  certManager: {
    chart: 'cert-manager',
    repository: 'https://charts.jetstack.io',
    version: 'v1.21.1',
    upstreamData: 'cert-manager/v1.21.1',
  },
  /**
   * LiteLLM's chart. Since Jan 2026 (BerriAI/litellm#19438) its OCI version is the LiteLLM release without the "v";
   * 1.82.3 is a release other deployments pin from this registry. The upstream values we test against come from
   * git (00eb60c0, early-to-mid 2026, no release tag): `helm show values` on the pinned chart should be compared
   * with them once the registry is reachable.
   */
  litellm: {
    chart: 'litellm-helm',
    repository: 'oci://docker.litellm.ai/berriai',
    version: '1.82.3',
    upstreamData: 'litellm-helm/git-00eb60c0',
  },
  /**
   * Fluent Bit: the log shipper (a DaemonSet by default). Newest fluent-bit chart tag (app 5.1.1); the Helm
   * repository publishes every chart tag of fluent/helm-charts.
   */
  fluentBit: {
    chart: 'fluent-bit',
    repository: 'https://fluent.github.io/helm-charts',
    version: '0.58.1',
    upstreamData: 'fluent-bit/0.58.1',
  },
  /**
   * Langfuse (observability.tracing in-cluster): chart 2.0.0, app 4.4.0. Chosen over 1.5.41 because 1.x runs its
   * datastores from Bitnami subcharts whose free image tags were withdrawn in 2025; 2.0.0 uses the upstream images
   * (postgres, valkey, seaweedfs, clickhouse) and runs ClickHouse through the ClickHouse operator (CHARTS.clickhouseOperator).
   */
  langfuse: {
    chart: 'langfuse',
    repository: 'https://langfuse.github.io/langfuse-k8s',
    version: '2.0.0',
    upstreamData: 'langfuse/2.0.0',
  },
} as const satisfies Record<string, ChartRef>;

export type ChartKey = keyof typeof CHARTS;
