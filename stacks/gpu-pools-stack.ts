import { gpuSpec } from '../catalog/gpus';
import { GpuNodePool } from '../constructs/gpu-node-pool';
import type { Construct } from '../constructs/private/cdktf';
import type { Environment } from '../environments/schema';
import { EnvironmentStack } from './private/environment-stack';

/**
 * The GPU pools: node labels and taints, and per-pool drivers (NVIDIADriver resources, whose CRD the platform
 * stack's GPU Operator installs): `<env>-gpu-pools`.
 */
export class GpuPoolsStack extends EnvironmentStack {
  readonly pools: readonly GpuNodePool[];

  constructor(scope: Construct, env: Environment) {
    super(scope, env, 'gpu-pools');
    this.pools = env.gpuPools.map(
      (p) =>
        new GpuNodePool(this, `pool-${p.name}`, {
          name: p.name,
          gpu: gpuSpec(p.gpu),
          gpusPerNode: p.gpusPerNode,
          nodes: p.nodes,
          sharing: p.sharing,
          taint: p.taint,
          driverVersion: p.driver?.version,
        }),
    );
  }
}
