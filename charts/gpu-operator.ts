/**
 * Typed values for the NVIDIA GPU Operator chart (pinned in `CHARTS.gpuOperator`).
 * Only the keys we set are typed; each exists in the pinned chart's values.yaml (tested).
 */
import { toValuesYaml } from '../lib/values-yaml';

/** Versions of the operator's components. One place pins them; environments may override each. */
export interface GpuOperatorComponentVersions {
  /** NVIDIA driver (the operator adds the OS suffix to the image tag). */
  readonly driver: string;
  /** NVIDIA Container Toolkit image tag. */
  readonly toolkit: string;
  /** NVIDIA Kubernetes device plugin image tag. */
  readonly devicePlugin: string;
  /** DCGM exporter image tag. */
  readonly dcgmExporter: string;
  /** MIG manager image tag. */
  readonly migManager: string;
}

/**
 * The component versions the pinned chart (v26.7.0) ships with, written out so that a chart bump never moves a
 * driver silently: a test compares them with the chart's values.yaml.
 */
export const GPU_OPERATOR_COMPONENT_VERSIONS: GpuOperatorComponentVersions = {
  driver: '595.91.07',
  toolkit: 'v1.20.0',
  devicePlugin: 'v0.20.0',
  dcgmExporter: '4.6.0-4.8.3-distroless',
  migManager: 'v0.15.0',
};

/** How one device-plugin configuration shares GPUs. */
export interface DevicePluginSharing {
  /** Config name; nodes select it with the `nvidia.com/device-plugin.config` label. */
  readonly name: string;
  /** Pods that may share one GPU by time-slicing. */
  readonly timeSlicingReplicas: number;
}

export interface GpuOperatorValuesOptions {
  readonly versions: GpuOperatorComponentVersions;
  /** Install the driver from a container (false when nodes have a host driver). */
  readonly driverEnabled: boolean;
  /**
   * Manage drivers with NVIDIADriver resources: the chart's `default` one (the fallback, at `versions.driver`) plus
   * one per pool that pins its own driver version.
   */
  readonly driverPerPool: boolean;
  /** Nodes whose driver is upgraded at once. */
  readonly maxParallelDriverUpgrades: number;
  /**
   * MIG strategy: `none` when no pool uses MIG, `single` exposes MIG slices as `nvidia.com/gpu`, `mixed` as
   * `nvidia.com/mig-<profile>`.
   */
  readonly migStrategy: 'none' | 'single' | 'mixed';
  /** Time-slicing configurations, one per pool that shares GPUs that way. */
  readonly timeSlicing: readonly DevicePluginSharing[];
  /** Create a ServiceMonitor for the DCGM exporter (needs the Prometheus Operator CRDs). */
  readonly dcgmServiceMonitor: boolean;
}

/** Name of the device-plugin ConfigMap the chart creates when a pool time-slices its GPUs. */
export const DEVICE_PLUGIN_CONFIG_MAP = 'device-plugin-sharing';
/** The device-plugin config nodes get when they carry no `nvidia.com/device-plugin.config` label. */
export const DEVICE_PLUGIN_DEFAULT_CONFIG = 'default';

export interface GpuOperatorValues {
  readonly cdi: { readonly enabled: boolean };
  readonly driver: {
    readonly enabled: boolean;
    readonly version: string;
    readonly nvidiaDriverCRD: { readonly enabled: boolean; readonly deployDefaultCR: boolean };
    readonly upgradePolicy: {
      readonly autoUpgrade: boolean;
      readonly maxParallelUpgrades: number;
      readonly maxUnavailable: number;
    };
  };
  readonly toolkit: { readonly enabled: boolean; readonly version: string };
  readonly devicePlugin: {
    readonly enabled: boolean;
    readonly version: string;
    readonly config?: {
      readonly create: boolean;
      readonly name: string;
      readonly default: string;
      readonly data: Readonly<Record<string, string>>;
    };
  };
  readonly dcgmExporter: {
    readonly enabled: boolean;
    readonly version: string;
    readonly serviceMonitor: {
      readonly enabled: boolean;
      readonly interval: string;
      readonly relabelings: ReadonlyArray<{ readonly sourceLabels: readonly string[]; readonly targetLabel: string; readonly action: string }>;
    };
  };
  readonly mig: { readonly strategy: 'single' | 'mixed' };
  readonly migManager: { readonly enabled: boolean; readonly version: string };
  readonly daemonsets: { readonly rollingUpdate: { readonly maxUnavailable: string } };
}

function devicePluginConfig(migStrategy: string, replicas?: number): string {
  const config: Record<string, unknown> = { version: 'v1', flags: { migStrategy } };
  if (replicas !== undefined) {
    // failRequestsGreaterThanOne: a pod asking for two slices of one GPU would get no more compute than one.
    config.sharing = {
      timeSlicing: {
        renameByDefault: false,
        failRequestsGreaterThanOne: true,
        resources: [{ name: 'nvidia.com/gpu', replicas }],
      },
    };
  }
  return toValuesYaml(config);
}

/** Builds the operator's values from typed options. */
export function gpuOperatorValues(o: GpuOperatorValuesOptions): GpuOperatorValues {
  const sharing = [...o.timeSlicing].sort((a, b) => a.name.localeCompare(b.name));
  const data: Record<string, string> = { [DEVICE_PLUGIN_DEFAULT_CONFIG]: devicePluginConfig(o.migStrategy) };
  for (const s of sharing) {
    data[s.name] = devicePluginConfig(o.migStrategy, s.timeSlicingReplicas);
  }
  return {
    cdi: { enabled: true },
    driver: {
      enabled: o.driverEnabled,
      version: o.versions.driver,
      nvidiaDriverCRD: { enabled: o.driverEnabled && o.driverPerPool, deployDefaultCR: true },
      upgradePolicy: {
        autoUpgrade: true,
        maxParallelUpgrades: o.maxParallelDriverUpgrades,
        maxUnavailable: o.maxParallelDriverUpgrades,
      },
    },
    toolkit: { enabled: true, version: o.versions.toolkit },
    devicePlugin: {
      enabled: true,
      version: o.versions.devicePlugin,
      ...(sharing.length > 0
        ? { config: { create: true, name: DEVICE_PLUGIN_CONFIG_MAP, default: DEVICE_PLUGIN_DEFAULT_CONFIG, data } }
        : {}),
    },
    dcgmExporter: {
      enabled: true,
      version: o.versions.dcgmExporter,
      serviceMonitor: {
        enabled: o.dcgmServiceMonitor,
        interval: '15s',
        // A `node` label from the exporter pod's node: alerts and dashboards select pools by it, whatever the
        // exporter calls its own host label (`Hostname` up to 4.5, `hostname` after).
        relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node', action: 'replace' }],
      },
    },
    mig: { strategy: o.migStrategy === 'mixed' ? 'mixed' : 'single' },
    migManager: { enabled: true, version: o.versions.migManager },
    daemonsets: { rollingUpdate: { maxUnavailable: '1' } },
  };
}
