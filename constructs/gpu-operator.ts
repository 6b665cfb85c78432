import { clusterMigStrategy } from '../catalog/gpus';
import { CHARTS } from '../charts/pins';
import { gpuOperatorValues, type GpuOperatorComponentVersions, type GpuOperatorValues } from '../charts/gpu-operator';
import type { GpuSharing } from './gpu-sharing';
import type { PodSecurityNamespaceProps } from './pod-security-namespace';
import type { Release } from '../lib/bindings';
import { Construct, type ITerraformDependable } from '../lib/cdktf';
import { pinnedRelease } from './private/pinned-release';

/** What the operator must know of each GPU pool. */
export interface GpuOperatorPool {
  readonly name: string;
  readonly sharing: GpuSharing;
  /** A driver version for this pool only. @default - the operator's driver version */
  readonly driverVersion?: string;
}

export interface GpuOperatorProps {
  /** Component versions (driver, toolkit, device plugin, DCGM exporter, MIG manager). */
  readonly versions: GpuOperatorComponentVersions;
  /** The GPU pools; their sharing sets the device plugin's and MIG manager's configuration. */
  readonly pools: readonly GpuOperatorPool[];
  /** Install the driver as a container; false where nodes have a host driver. @default true */
  readonly driverEnabled?: boolean;
  /** Nodes whose driver is upgraded at once. @default 1 */
  readonly maxParallelDriverUpgrades?: number;
  /** ServiceMonitor for the DCGM exporter (needs the Prometheus Operator CRDs). @default true */
  readonly dcgmServiceMonitor?: boolean;
  /** Namespace, created beforehand with GPU_OPERATOR_POD_SECURITY (the environment's namespaces stack). */
  readonly namespace: string;
  /** What must exist first (the Prometheus Operator CRDs, for the DCGM ServiceMonitor). @default - none */
  readonly dependsOn?: ITerraformDependable[];
}

/** The Pod Security its namespace needs, and why: the one namespace allowed privileged pods (POLICY 1). */
export const GPU_OPERATOR_POD_SECURITY: Pick<PodSecurityNamespaceProps, 'level' | 'exceptionReason'> = {
  level: 'privileged',
  exceptionReason: 'The GPU Operator operands (driver, toolkit, device plugin, DCGM exporter, MIG manager) load kernel modules and reach host devices.',
};

/** The operator's install can take a while: it waits for its own pods, not for drivers to build. */
const INSTALL_TIMEOUT_SECONDS = 900;

/**
 * The NVIDIA GPU Operator: driver, container toolkit, device plugin, DCGM exporter and MIG manager, in a namespace
 * that is the one place allowed privileged pods (POLICY 1).
 */
export class GpuOperator extends Construct {
  readonly release: Release;
  readonly values: GpuOperatorValues;
  /** True when pools pin their own drivers through NVIDIADriver resources. */
  readonly driverPerPool: boolean;

  constructor(scope: Construct, id: string, props: GpuOperatorProps) {
    super(scope, id);
    const driverEnabled = props.driverEnabled ?? true;
    this.driverPerPool = driverEnabled && props.pools.some((p) => p.driverVersion !== undefined);
    this.values = gpuOperatorValues({
      versions: props.versions,
      driverEnabled,
      driverPerPool: this.driverPerPool,
      maxParallelDriverUpgrades: props.maxParallelDriverUpgrades ?? 1,
      migStrategy: clusterMigStrategy(props.pools),
      timeSlicing: props.pools.flatMap((p) =>
        p.sharing.mode === 'time-slicing' ? [{ name: p.name, timeSlicingReplicas: p.sharing.replicas }] : [],
      ),
      dcgmServiceMonitor: props.dcgmServiceMonitor ?? true,
    });
    this.release = pinnedRelease(this, 'release', {
      name: 'gpu-operator',
      namespace: props.namespace,
      chart: CHARTS.gpuOperator,
      values: this.values,
      timeoutSeconds: INSTALL_TIMEOUT_SECONDS,
      dependsOn: props.dependsOn,
      // The chart's pre-upgrade hook applies the new CRDs (operator.upgradeCRD); its values.yaml: this "requires
      // --disable-openapi-validation flag to be passed during helm upgrade" (the new ClusterPolicy would fail
      // validation against the old CRD before the hook runs).
      disableOpenapiValidation: true,
    });
  }
}
