import { IMAGES } from '../catalog/images';
import type { LlmServerProps } from './llm-server-props';
import type { PodDisruptionBudgetV1, ServiceV1, StatefulSetV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { llmWorkload } from './private/llm-workload';
import { PATHS } from './private/model-pod';

export const TGI_PORT = 8000;
export const TGI_METRICS_PORT = 9000;

const TGI_QUANTIZE = { fp8: 'fp8', awq: 'awq', gptq: 'gptq' } as const;

/** The `text-generation-launcher` arguments (the image's entrypoint). */
export function tgiArgs(p: LlmServerProps): string[] {
  const quantize = p.quantization in TGI_QUANTIZE ? TGI_QUANTIZE[p.quantization as keyof typeof TGI_QUANTIZE] : undefined;
  return [
    '--model-id', p.model,
    ...(p.revision ? ['--revision', p.revision] : []),
    // The image listens on port 80, which a non-root process may not bind.
    '--hostname', '0.0.0.0',
    '--port', String(TGI_PORT),
    '--prometheus-port', String(TGI_METRICS_PORT),
    '--huggingface-hub-cache', `${PATHS.cache}/huggingface/hub`,
    '--num-shard', String(p.tensorParallel),
    '--max-total-tokens', String(p.maxModelLen),
    '--max-input-tokens', String(p.maxModelLen - 1),
    '--cuda-memory-fraction', String(p.gpuMemoryUtilization),
    ...(quantize ? ['--quantize', quantize] : []),
    ...(p.kvCacheDtype === 'fp8' ? ['--kv-cache-dtype', 'fp8_e4m3fn'] : []),
    ...(p.trustRemoteCode ? ['--trust-remote-code'] : []),
  ];
}

/** A Hugging Face TGI server, with the same Kubernetes shape as VllmServer. */
export class TgiServer extends Construct {
  readonly statefulSet: StatefulSetV1;
  readonly service: ServiceV1;
  readonly podDisruptionBudget: PodDisruptionBudgetV1;
  readonly port = TGI_PORT;

  constructor(scope: Construct, id: string, props: LlmServerProps) {
    super(scope, id);
    if (props.pipelineParallel !== 1) throw new Error(`TGI server "${props.name}": TGI has no pipeline parallel`);
    const workload = llmWorkload(this, props, {
      engine: 'tgi',
      image: IMAGES.tgi,
      args: tgiArgs(props),
      env: {},
      port: TGI_PORT,
      metricsPort: TGI_METRICS_PORT,
      // /health is 200 once the model is loaded and healthy; liveness only asks that the port answers.
      paths: { health: '/health', ready: '/health' },
    });
    this.statefulSet = workload.statefulSet;
    this.service = workload.service;
    this.podDisruptionBudget = workload.pdb;
  }
}
