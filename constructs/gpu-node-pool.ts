import { MovedBlock } from './private/moved-block';
import { poolDevice, type GpuSpec } from '../catalog/gpus';
import { migConfigName, type GpuSharing } from './gpu-sharing';
import { Labels, Manifest, NodeTaint } from '../lib/bindings';
import { createHash } from 'node:crypto';
import { Construct, TerraformStack, type ITerraformDependable } from '../lib/cdktf';

/** The node label GPU workloads select their pool by. */
export const POOL_LABEL = 'inference-stack.io/pool';
/** The node label that names the pool's GPU catalogue key. */
export const GPU_LABEL = 'inference-stack.io/gpu';
/** The taint every GPU node carries: only pods that tolerate it (GPU workloads, GPU Operator) land there. */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' } as const;
/**
 * Server-side apply field managers, one per resource that writes to a Node. A manager owns exactly the fields of its
 * last apply, so two resources sharing one would each drop the other's fields (labels vs taints;
 * hashicorp/terraform-provider-kubernetes#1791, `field_manager` added by #1831). Provider v2.38.0 applies
 * `kubernetes_labels` as `{metadata: {labels}}` and `kubernetes_node_taint` as `{spec: {taints}}` with
 * `PatchOptions{FieldManager, Force}` (resource_kubernetes_labels.go, resource_kubernetes_node_taint.go).
 */
export const FIELD_MANAGERS = {
  /** Pool, GPU and device-plugin config labels: ours alone, so a conflict is reported, never overwritten. */
  poolLabels: 'inference-stack-pool-labels',
  /** `nvidia.com/mig.config`: applied with `force` (see GpuNodePool). */
  migConfig: 'inference-stack-mig-config',
  /** The GPU taint. */
  taint: 'inference-stack-taint',
} as const;
/** The label the MIG manager reads the wanted partitioning from. */
export const MIG_CONFIG_LABEL = 'nvidia.com/mig.config';

export interface GpuNodePoolProps {
  /** Pool name. */
  readonly name: string;
  readonly gpu: GpuSpec;
  readonly gpusPerNode: number;
  /** Existing nodes of the pool. */
  readonly nodes: readonly string[];
  /** @default - { mode: 'none' } */
  readonly sharing?: GpuSharing;
  /** Taint the nodes so only GPU pods land there. @default true */
  readonly taint?: boolean;
  /**
   * A driver version for this pool, installed through an NVIDIADriver resource (the GPU Operator must run with
   * `driverPerPool`). @default - the operator's driver
   */
  readonly driverVersion?: string;
}

/**
 * A pool of existing GPU nodes: labels that name the pool, its GPU and its sharing (MIG profile or time-slicing
 * config), the `nvidia.com/gpu` NoSchedule taint, and the pool's own driver when it pins one.
 *
 * Ownership of `nvidia.com/mig.config`: the pool decides it. The GPU Operator labels every MIG-capable node that has
 * no such label with its default (`all-disabled`, ClusterPolicy `migManager.config.default`; gpu-operator
 * controllers/state_manager.go `labelGPUNodes`, a plain Update), and only when the label is missing. Our apply then
 * meets a field another manager owns: without `force` it fails with a conflict; with `force` the field becomes ours,
 * and the operator leaves a labelled node alone from then on. So that label has its own resource with `force`,
 * and the other labels stay unforced.
 */
export class GpuNodePool extends Construct {
  readonly name: string;
  readonly gpu: GpuSpec;
  readonly gpusPerNode: number;
  readonly nodes: readonly string[];
  readonly sharing: GpuSharing;
  /** Labels on every node of the pool. */
  readonly nodeLabels: Readonly<Record<string, string>>;
  /** The pool's NVIDIADriver, when it pins its own driver. */
  readonly driver?: Manifest;
  /** Everything the pool writes (labels, taints, driver): what its readiness gate waits on. */
  readonly resources: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    this.name = props.name;
    this.gpu = props.gpu;
    this.gpusPerNode = props.gpusPerNode;
    this.nodes = props.nodes;
    this.sharing = props.sharing ?? { mode: 'none' };

    const labels: Record<string, string> = { [POOL_LABEL]: props.name, [GPU_LABEL]: props.gpu.key };
    const migConfig = this.sharing.mode === 'mig' ? migConfigName(this.sharing.profile) : undefined;
    if (this.sharing.mode === 'time-slicing') {
      labels['nvidia.com/device-plugin.config'] = props.name;
    }
    this.nodeLabels = { ...labels, ...(migConfig ? { [MIG_CONFIG_LABEL]: migConfig } : {}) };

    // A node's resources belong to the node, not to the pool: created at stack level with ids that name the node
    // alone (`node-<node>-labels`, `-mig-config`, `-taint`), so moving a node to another pool or renaming a pool is
    // an in-place update of the same resources. Keyed by pool, a move was a create (new pool) plus a destroy (old
    // pool) with the same field manager, in no set order: a destroy applied last pruned every field the manager
    // owned (pool, GPU and MIG config labels, the taint). A node is in one pool (the schema checks), so the ids are
    // unique in the stack.
    const stack = TerraformStack.of(this);
    for (const node of props.nodes) {
      const nodeLabels = new Labels(stack, `node-${node}-labels`, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node },
        labels,
        fieldManager: FIELD_MANAGERS.poolLabels,
      });
      new MovedBlock(stack, `node-${node}-labels-moved`, { from: `kubernetes_labels.${legacyNodeResourceId(props.name, `labels-${node}`)}`, to: nodeLabels });
      this.resources.push(nodeLabels);
      if (migConfig) {
        const mig = new Labels(stack, `node-${node}-mig-config`, {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: node },
          labels: { [MIG_CONFIG_LABEL]: migConfig },
          fieldManager: FIELD_MANAGERS.migConfig,
          force: true,
        });
        new MovedBlock(stack, `node-${node}-mig-config-moved`, { from: `kubernetes_labels.${legacyNodeResourceId(props.name, `mig-config-${node}`)}`, to: mig });
        this.resources.push(mig);
      }
      if (props.taint ?? true) {
        const taint = new NodeTaint(stack, `node-${node}-taint`, {
          metadata: { name: node },
          taint: [{ ...GPU_TAINT }],
          fieldManager: FIELD_MANAGERS.taint,
          // The provider (v2.38.0, resource_kubernetes_node_taint.go) reads back every taint of the node and applies
          // `spec.taints` as one atomic list: a cordon, a not-ready or a cloud taint would show as a diff and an
          // apply would remove it. Written at create, not re-applied; unforced, so a list another manager owns
          // (kubelet --register-with-taints, a cordon) fails as a conflict instead of being overwritten. Its Delete
          // applies an empty list, unforced too: after a cordon (the list is then the controller's) it fails, so
          // removing a node's taint resource goes through `terraform state rm` (README, GPU layer).
          lifecycle: { ignoreChanges: ['taint'] },
        });
        new MovedBlock(stack, `node-${node}-taint-moved`, { from: `kubernetes_node_taint.${legacyNodeResourceId(props.name, `taint-${node}`)}`, to: taint });
        this.resources.push(taint);
      }
    }

    if (props.driverVersion !== undefined) {
      this.driver = new Manifest(this, 'driver', {
        manifest: {
          apiVersion: 'nvidia.com/v1alpha1',
          kind: 'NVIDIADriver',
          metadata: { name: `pool-${props.name}` },
          spec: {
            driverType: 'gpu',
            repository: 'nvcr.io/nvidia',
            image: 'driver',
            version: props.driverVersion,
            nodeSelector: { [POOL_LABEL]: props.name },
            tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
          },
        },
      });
      this.resources.push(this.driver);
    }
  }

  /** GPUs the pool schedules: MIG slices or time-slicing replicas count as GPUs. */
  get schedulableGpus(): number {
    return this.nodes.length * this.gpusPerNode * (poolDevice(this.gpu, this.sharing)?.perGpu ?? 1);
  }
}

/**
 * The logical id cdktf 0.21 gave a node resource before node resources were keyed by node: construct path
 * `pool-<pool>/<child>` under the stack (cdktf lib/private/unique.js `makeUniqueId`: the path components without
 * characters outside [A-Za-z0-9_-], joined by `_`, then `_` and the first 8 hex digits, upper case, of the MD5 of
 * the components joined by `/`). Fixed on purpose: it names state written by earlier releases, whatever the
 * construct tree looks like now; the moved blocks map it to the node's address.
 */
export function legacyNodeResourceId(pool: string, child: string): string {
  const components = [`pool-${pool}`, child];
  const hash = createHash('md5').update(components.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human = components
    .filter((c, i) => i === 0 || !components[i - 1]!.endsWith(c))
    .map((c) => c.replace(/[^A-Za-z0-9_-]/g, ''))
    .join('_')
    .slice(0, 240);
  return `${human}_${hash}`;
}
