import { clusterMigStrategy, gpuSpec } from '../catalog/gpus';
import { GpuNodePool } from '../constructs/gpu-node-pool';
import { GpuReadiness } from '../constructs/gpu-readiness-gate';
import type { Construct } from '../lib/cdktf';
import type { Environment } from '../environments/schema';
import { NAMESPACES } from './namespaces';
import { EnvironmentStack } from './private/environment-stack';

/**
 * The GPU pools: node labels and taints, per-pool drivers (NVIDIADriver resources, whose CRD the platform stack's
 * GPU Operator installs), and a readiness gate per pool that completes once the pool's GPUs are allocatable:
 * `<env>-gpu-pools`. The models stack depends on it, so servers start on GPUs that exist.
 */
export class GpuPoolsStack extends EnvironmentStack {
  readonly pools: readonly GpuNodePool[];
  readonly readiness?: GpuReadiness;

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
    if (this.pools.length > 0) {
      const strategy = clusterMigStrategy(env.gpuPools);
      this.readiness = new GpuReadiness(this, 'readiness', { namespace: NAMESPACES.gpuReadiness });
      for (const pool of this.pools) this.readiness.gate(pool, strategy);
    }
  }
}
