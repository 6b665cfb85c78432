import { GpuNodePool } from '../constructs/gpu-node-pool';
import { GpuReadiness } from '../constructs/gpu-readiness-gate';
import type { Construct } from '../lib/cdktf';
import type { ResolvedEnvironment } from '../environments/resolve';
import { EnvironmentStack } from './private/environment-stack';
import { NAMESPACES } from './topology';

/**
 * The GPU pools: node labels and taints, per-pool drivers (NVIDIADriver resources, whose CRD the platform stack's
 * GPU Operator installs), and a readiness gate per pool that completes once the pool's GPUs are allocatable:
 * `<env>-gpu-pools`. The models stack depends on it, so servers start on GPUs that exist.
 */
export class GpuPoolsStack extends EnvironmentStack {
  readonly pools: readonly GpuNodePool[];
  readonly readiness?: GpuReadiness;

  constructor(scope: Construct, resolved: ResolvedEnvironment) {
    super(scope, resolved, 'gpu-pools');
    this.pools = resolved.pools.map(
      ({ spec: p, gpu }) =>
        new GpuNodePool(this, `pool-${p.name}`, {
          name: p.name,
          gpu,
          gpusPerNode: p.gpusPerNode,
          nodes: p.nodes,
          sharing: p.sharing,
          taint: p.taint,
          driverVersion: p.driver?.version,
        }),
    );
    if (this.pools.length > 0) {
      const strategy = resolved.migStrategy;
      this.readiness = new GpuReadiness(this, 'readiness', { namespace: NAMESPACES.gpuReadiness });
      for (const pool of this.pools) this.readiness.gate(pool, strategy);
    }
  }
}
