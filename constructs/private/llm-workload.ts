import { imageRef, type ImagePin } from '../../catalog/images';
import type { LlmServerSettings } from '../llm-server-props';
import type { Construct } from '../../lib/cdktf';
import type { EnvVar } from './model-pod';
import { ModelWorkload } from './model-workload';
import { sharedCache } from './shared-cache';
import { cacheEnv, cacheSizeGiB, cpuRequest, hostMemoryBytes, rolloutTimeouts, serverProbes, shmBytes, startupBudgetSeconds } from './server-sizing';

export interface EngineSpec {
  readonly engine: 'vllm' | 'tgi' | 'ollama';
  readonly image: ImagePin;
  readonly command?: readonly string[];
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  readonly metricsPort?: number;
  readonly paths: { readonly health: string; readonly ready: string; readonly live?: string };
}

/** The Kubernetes side of an LLM server, given what its engine runs. */
export function llmWorkload(scope: Construct, props: LlmServerSettings, engine: EngineSpec): ModelWorkload {
  const gpus = props.tensorParallel * props.pipelineParallel;
  const shared = sharedCache(scope, props, engine.engine);
  const budget = props.startupTimeoutSeconds ?? startupBudgetSeconds(props.load, shared ? 'shared' : 'per-replica', props.startupRates);
  const env: EnvVar[] = [
    ...cacheEnv({ ...engine.env, ...shared?.env }),
    ...(props.hfTokenSecret ? [{ name: 'HF_TOKEN', secret: props.hfTokenSecret }] : []),
  ];
  return new ModelWorkload(scope, 'workload', {
    name: props.name,
    namespace: props.namespace,
    component: 'model-server',
    engine: engine.engine,
    image: imageRef(props.image ?? engine.image),
    command: engine.command,
    args: [...engine.args, ...(props.extraArgs ?? [])],
    env,
    port: engine.port,
    metricsPort: engine.metricsPort,
    replicas: props.replicas,
    gpus,
    gpuResource: props.gpuResource,
    pool: props.pool,
    cpuRequest: cpuRequest(gpus),
    memoryBytes: hostMemoryBytes(gpus),
    shmBytes: shmBytes(gpus),
    cache: { sizeGiB: props.cache?.sizeGiB ?? cacheSizeGiB(props.load.downloadBytes), storageClass: props.cache?.storageClass, existingClaim: props.cache?.existingClaim, shared: shared?.mount },
    dependsOn: shared ? [shared.prefetch.job] : undefined,
    ...serverProbes(budget, engine.paths),
    rolloutTimeouts: rolloutTimeouts({ image: engine.engine, startupBudgetSeconds: budget, replicas: props.maxReplicas ?? props.replicas }),
    autoscaled: props.autoscaled,
  });
}
