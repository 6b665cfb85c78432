import { IMAGES } from '../catalog/images';
import { serviceUrl, type IModelServer, type LlmServerSettings, type VllmServerProps } from './llm-server-props';
import type { PodDisruptionBudgetV1, ServiceV1, StatefulSetV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { hubServerSettings } from './private/llm-settings';
import { llmWorkload } from './private/llm-workload';
import { PATHS } from './private/model-pod';
import { sharedCacheVllmArgs } from './private/shared-cache';

export const VLLM_PORT = 8000;

/** The `vllm serve` arguments for a server (the image's entrypoint is `vllm serve`). */
export function vllmArgs(p: LlmServerSettings): string[] {
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
    ...loadingArgs(p),
    // a shared cache: the prefetch Job's ignore patterns, so offline vLLM expects exactly the files it fetched
    ...sharedCacheVllmArgs(p),
    ...(p.otlpTraces ? ['--otlp-traces-endpoint', otlpTracesUrl(p.otlpTraces)] : []),
  ];
}

/** `loading`: the Run:ai Model Streamer (installed in the pinned image) with its concurrency. */
function loadingArgs(p: LlmServerSettings): string[] {
  if (p.loading?.format !== 'runai_streamer') return [];
  return ['--load-format', 'runai_streamer', ...(p.loading.concurrency !== undefined ? ['--model-loader-extra-config', JSON.stringify({ concurrency: p.loading.concurrency })] : [])];
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
 * for its model, on its GPU pool, as non-root. Given a model and a pool, the rest comes from the catalogues and
 * the capacity planner (`settings` shows what it chose); a prop that cannot work throws a ConstructPropsError.
 */
export class VllmServer extends Construct implements IModelServer {
  readonly statefulSet: StatefulSetV1;
  readonly service: ServiceV1;
  readonly podDisruptionBudget: PodDisruptionBudgetV1;
  readonly port = VLLM_PORT;
  readonly engine = 'vllm';
  /** What the server runs with: the props filled in from the catalogues and the planner. */
  readonly settings: LlmServerSettings;
  readonly servedModelName: string;
  readonly serviceName: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly url: string;

  constructor(scope: Construct, id: string, props: VllmServerProps) {
    super(scope, id);
    const settings = hubServerSettings(this, 'VllmServer', 'vllm', props, { multiNode: false });
    this.settings = settings;
    const workload = llmWorkload(this, settings, {
      engine: 'vllm',
      image: IMAGES.vllm,
      args: vllmArgs(settings),
      env: {
        VLLM_CACHE_ROOT: `${PATHS.cache}/vllm`,
        VLLM_NO_USAGE_STATS: '1',
        DO_NOT_TRACK: '1',
        ...(settings.otlpTraces ? { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: settings.otlpTraces.protocol, OTEL_SERVICE_NAME: settings.name } : {}),
      },
      port: VLLM_PORT,
      // /health answers once the engine runs; /v1/models once the model is served.
      paths: { health: '/health', ready: '/v1/models', live: '/health' },
    });
    this.statefulSet = workload.statefulSet;
    this.service = workload.service;
    this.podDisruptionBudget = workload.pdb;
    this.servedModelName = settings.name;
    this.serviceName = settings.name;
    this.namespace = settings.namespace;
    this.podLabels = workload.labels;
    this.url = serviceUrl(settings.name, settings.namespace, VLLM_PORT);
  }
}
