import { IMAGES } from '../catalog/images';
import type { LlmServerProps } from './llm-server-props';
import type { PodDisruptionBudgetV1, ServiceV1, StatefulSetV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { llmWorkload } from './private/llm-workload';
import { PATHS } from './private/model-pod';

export const VLLM_PORT = 8000;

/** The `vllm serve` arguments for a server (the image's entrypoint is `vllm serve`). */
export function vllmArgs(p: LlmServerProps): string[] {
  return [
    p.model,
    ...(p.revision ? ['--revision', p.revision] : []),
    '--served-model-name', p.name,
    '--host', '0.0.0.0',
    '--port', String(VLLM_PORT),
    '--tensor-parallel-size', String(p.tensorParallel),
    '--pipeline-parallel-size', String(p.pipelineParallel),
    '--max-model-len', String(p.maxModelLen),
    '--gpu-memory-utilization', String(p.gpuMemoryUtilization),
    // A published quantised checkpoint carries its quantization_config, from which vLLM picks the fastest
    // kernel; the flag is only for quantising a 16-bit checkpoint at load.
    ...(p.quantization === 'fp8' && !p.prequantized ? ['--quantization', 'fp8'] : []),
    ...(p.kvCacheDtype === 'fp8' ? ['--kv-cache-dtype', 'fp8'] : []),
    ...(p.trustRemoteCode ? ['--trust-remote-code'] : []),
    ...(p.otlpTraces ? ['--otlp-traces-endpoint', otlpTracesUrl(p.otlpTraces)] : []),
  ];
}

/**
 * The URL vLLM's span exporter is given: the OTel SDK uses an explicit endpoint as it is, so OTLP over HTTP needs
 * the traces path (`/v1/traces`); gRPC takes the collector's address.
 */
export function otlpTracesUrl(t: { readonly endpoint: string; readonly protocol: 'http/protobuf' | 'grpc' }): string {
  return t.protocol === 'grpc' ? t.endpoint : `${t.endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * A vLLM OpenAI-compatible server: StatefulSet (a model cache per replica), Service, PodDisruptionBudget, sized
 * for its model, on its GPU pool, as non-root.
 */
export class VllmServer extends Construct {
  readonly statefulSet: StatefulSetV1;
  readonly service: ServiceV1;
  readonly podDisruptionBudget: PodDisruptionBudgetV1;
  readonly port = VLLM_PORT;

  constructor(scope: Construct, id: string, props: LlmServerProps) {
    super(scope, id);
    const workload = llmWorkload(this, props, {
      engine: 'vllm',
      image: IMAGES.vllm,
      args: vllmArgs(props),
      env: {
        VLLM_CACHE_ROOT: `${PATHS.cache}/vllm`,
        VLLM_NO_USAGE_STATS: '1',
        DO_NOT_TRACK: '1',
        ...(props.otlpTraces ? { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: props.otlpTraces.protocol, OTEL_SERVICE_NAME: props.name } : {}),
      },
      port: VLLM_PORT,
      // /health answers once the engine runs; /v1/models once the model is served.
      paths: { health: '/health', ready: '/v1/models', live: '/health' },
    });
    this.statefulSet = workload.statefulSet;
    this.service = workload.service;
    this.podDisruptionBudget = workload.pdb;
  }
}
