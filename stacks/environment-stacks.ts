import type { Construct } from '../constructs/private/cdktf';
import type { Environment } from '../environments/schema';
import { GpuPoolsStack } from './gpu-pools-stack';
import { ModelsStack } from './models-stack';
import { PlatformStack } from './platform-stack';
import type { EnvironmentStack } from './private/environment-stack';

export interface EnvironmentStacks {
  readonly platform: PlatformStack;
  readonly gpuPools: GpuPoolsStack;
  readonly models: ModelsStack;
  /** Every stack, in deploy order. */
  readonly all: readonly EnvironmentStack[];
}

/**
 * All stacks of one environment, with the dependencies that make `cdktf deploy '<env>-*'` apply them in order:
 * the platform (operators and their CRDs) first, then what uses it.
 */
export function addEnvironmentStacks(scope: Construct, env: Environment): EnvironmentStacks {
  const platform = new PlatformStack(scope, env);
  const gpuPools = new GpuPoolsStack(scope, env);
  gpuPools.addDependency(platform);
  const models = new ModelsStack(scope, env);
  models.addDependency(gpuPools);
  return { platform, gpuPools, models, all: [platform, gpuPools, models] };
}
