import { GpuOperator } from '../constructs/gpu-operator';
import type { Construct } from '../constructs/private/cdktf';
import type { Environment } from '../environments/schema';
import { EnvironmentStack } from './private/environment-stack';

/** Cluster-wide operators and their CRDs, which the workload stacks build on: `<env>-platform`. */
export class PlatformStack extends EnvironmentStack {
  readonly gpuOperator: GpuOperator;

  constructor(scope: Construct, env: Environment) {
    super(scope, env, 'platform');
    this.gpuOperator = new GpuOperator(this, 'gpu-operator', {
      versions: env.gpuOperator.versions,
      driverEnabled: env.gpuOperator.driverEnabled,
      maxParallelDriverUpgrades: env.gpuOperator.maxParallelDriverUpgrades,
      dcgmServiceMonitor: env.gpuOperator.dcgmServiceMonitor,
      pools: env.gpuPools.map((p) => ({ name: p.name, sharing: p.sharing, driverVersion: p.driver?.version })),
    });
  }
}
