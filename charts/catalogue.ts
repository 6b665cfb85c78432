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
} as const satisfies Record<string, ChartRef>;

export type ChartKey = keyof typeof CHARTS;
