import { IMAGES } from '../catalog/images';
import { serviceUrl, type IModelServer, type LlmServerSettings, type TgiServerProps } from './llm-server-props';
import type { PodDisruptionBudgetV1, ServiceV1, StatefulSetV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { hubServerSettings } from './private/llm-settings';
import { llmWorkload } from './private/llm-workload';
import { PATHS } from './private/model-pod';

export const TGI_PORT = 8000;
export const TGI_METRICS_PORT = 9000;

const TGI_QUANTIZE = { fp8: 'fp8', awq: 'awq', gptq: 'gptq' } as const;

/** The `text-generation-launcher` arguments (the image's entrypoint). */
export function tgiArgs(p: LlmServerSettings): string[] {
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

/** A Hugging Face TGI server, with the same Kubernetes shape and defaults as VllmServer (no pipeline parallel). */
export class TgiServer extends Construct implements IModelServer {
  readonly statefulSet: StatefulSetV1;
  readonly service: ServiceV1;
  readonly podDisruptionBudget: PodDisruptionBudgetV1;
  readonly port = TGI_PORT;
  readonly engine = 'tgi';
  /** What the server runs with: the props filled in from the catalogues and the planner. */
  readonly settings: LlmServerSettings;
  readonly servedModelName: string;
  readonly serviceName: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly url: string;

  constructor(scope: Construct, id: string, props: TgiServerProps) {
    super(scope, id);
    // pipelineParallel is not a TGI prop; read it to refuse it from untyped callers and spread objects.
    const settings = hubServerSettings(this, 'TgiServer', 'tgi', props, { multiNode: false });
    this.settings = settings;
    const workload = llmWorkload(this, settings, {
      engine: 'tgi',
      image: IMAGES.tgi,
      args: tgiArgs(settings),
      env: {},
      port: TGI_PORT,
      metricsPort: TGI_METRICS_PORT,
      // /health is 200 once the model is loaded and healthy; liveness only asks that the port answers.
      paths: { health: '/health', ready: '/health' },
    });
    this.statefulSet = workload.statefulSet;
    this.service = workload.service;
    this.podDisruptionBudget = workload.pdb;
    this.servedModelName = settings.name;
    this.serviceName = settings.name;
    this.namespace = settings.namespace;
    this.podLabels = workload.labels;
    this.url = serviceUrl(settings.name, settings.namespace, TGI_PORT);
  }
}
