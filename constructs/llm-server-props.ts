import type { GpuSharing, GpuSpec } from '../catalog/gpus';
import type { ImagePin } from '../catalog/images';
import type { ModelArchitecture } from '../catalog/models';
import type { KvCacheDtype, Quantization } from '../catalog/planner';

/** A reference to a key of an existing Kubernetes Secret. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

export interface ModelCacheProps {
  /** Cache volume size. @default - the checkpoint with 20% to spare, plus 10 GiB */
  readonly sizeGiB?: number;
  /** @default - the cluster's default storage class */
  readonly storageClass?: string;
  /** An existing claim to mount instead of one volume per replica (ReadWriteMany when replicas > 1). @default - one volume per replica */
  readonly existingClaim?: string;
  /**
   * `shared`: one ReadWriteMany claim (`existingClaim`, or created with `storageClass` and `sizeGiB`) filled once per
   * model revision by a prefetch Job (ModelPrefetchJob), mounted read-only by every replica, which runs offline
   * (vLLM only). @default 'per-replica'
   */
  readonly mode?: 'per-replica' | 'shared';
}

/** How vLLM loads the weights. */
export interface ModelLoadingProps {
  /** `runai_streamer`: the Run:ai Model Streamer reads the safetensors files concurrently (`--load-format`). */
  readonly format: 'auto' | 'runai_streamer';
  /** Streamer threads (`--model-loader-extra-config {"concurrency":N}`). @default - the streamer's */
  readonly concurrency?: number;
}

/** Declared bandwidths of the start-up estimate (catalog/startup.ts). */
export interface StartupRatesProps {
  /** Bytes/s from the model hub. */
  readonly downloadBytesPerSecond: number;
  /** Bytes/s from the cache volume into one GPU worker. */
  readonly cacheReadBytesPerSecond: number;
}

/** What the sizing of a server (probes, volumes, rollout timeouts) needs to know of its model. */
export interface ServerLoad {
  /** Bytes the engine downloads into the cache: at least the checkpoint, more for TGI on some repos (planner.ts `downloadBytes`). */
  readonly downloadBytes: number;
  /** Bytes loaded into each GPU. */
  readonly weightBytesPerGpu: number;
  /** GPUs per pod. */
  readonly gpus: number;
}

/**
 * The GPU pool a server runs on: a `GpuNodePool` construct, or a plain reference to a pool labelled elsewhere
 * (`{ name: 'l4', gpu: 'l4-24gb' }`). Its GPU is what the planner sizes the server for.
 */
export interface GpuPoolRef {
  /** The pool's name (the value of its `inference-stack.io/pool` node label). */
  readonly name: string;
  /** Its GPU: a catalogue entry (`gpuSpec('l4-24gb')`) or its key (catalog/gpus.ts). */
  readonly gpu: GpuSpec | string;
  /** GPUs per node: the most tensor parallel one pod may use. @default 1 */
  readonly gpusPerNode?: number;
  /** How pods share its GPUs. @default - { mode: 'none' } (whole GPUs) */
  readonly sharing?: GpuSharing;
  /** Its nodes: the most pipeline stages a multi-node server may span. @default - not checked */
  readonly nodes?: readonly string[];
}

/** The namespace model servers go to when none is given (the stacks' models namespace). */
export const DEFAULT_MODELS_NAMESPACE = 'models';
/** gpuMemoryUtilization when none is given (on a time-sliced pool, divided among the GPU's sharers). */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;
/**
 * The context a default tensorParallel must hold (one sequence of it, or of the model's limit when that is
 * shorter) when maxModelLen is not given.
 */
export const DEFAULT_MIN_CONTEXT_TOKENS = 8192;

/** What every model server (vLLM, TGI, Ollama) takes: the model and the pool; the rest has defaults. */
export interface ModelServerBaseProps {
  /** Hugging Face model id: one of the model catalogue (catalog/models.ts), or any id with `architecture`. */
  readonly model: string;
  /** The model's facts from its config.json, for a model outside the catalogue. @default - the catalogue's entry */
  readonly architecture?: ModelArchitecture;
  /** The GPU pool: a `GpuNodePool`, or `{ name, gpu }`. */
  readonly pool: GpuPoolRef;
  /**
   * Server name (Service and StatefulSet; the model name clients ask for): a DNS label.
   * @default - from the model id: its last segment, lowercased, other characters as '-' (`llama-3-1-8b-instruct`)
   */
  readonly name?: string;
  /** @default 'models' (DEFAULT_MODELS_NAMESPACE) */
  readonly namespace?: string;
  /**
   * The extended resource one GPU of the pool is (`gpuResourceName`: `nvidia.com/gpu`, or `nvidia.com/mig-<profile>`
   * under the mixed MIG strategy). @default 'nvidia.com/gpu'
   */
  readonly gpuResource?: string;
  /** Replicas (at creation, when `autoscaled`); 0 keeps the server defined without pods. @default 1 */
  readonly replicas?: number;
  /** @default - the engine's pinned image */
  readonly image?: ImagePin;
  /** The model cache volume. @default - one volume per replica, sized from the load, of the default storage class */
  readonly cache?: ModelCacheProps;
  /** Download and load sizes, for probes and volumes. @default - from the planner (catalog/planner.ts `downloadBytes`, `plan`) */
  readonly load?: ServerLoad;
  /** Startup probe budget. @default - sized from the load, the cache mode and `startupRates` */
  readonly startupTimeoutSeconds?: number;
  /** Declared bandwidths the startup budget is sized with. @default - 100 MB/s download, 500 MB/s cache read */
  readonly startupRates?: StartupRatesProps;
  /** An autoscaler owns the replica count (`replicas` is the count at creation). @default false */
  readonly autoscaled?: boolean;
  /** The most replicas an autoscaler may run: rollouts wait for the live count. @default - replicas */
  readonly maxReplicas?: number;
}

/** What vLLM and TGI take besides the base: the weights from the Hub, and how they are served. */
export interface HubModelServerProps extends ModelServerBaseProps {
  /** Commit SHA of the model repo. @default - the repo's default branch (dev only) */
  readonly revision?: string;
  /** Hugging Face token, for gated models. @default - no token (public models only) */
  readonly hfTokenSecret?: SecretKeyRef;
  /** @default false */
  readonly trustRemoteCode?: boolean;
  /**
   * GPUs a replica's weights are split over, inside one node.
   * @default - the smallest the pool allows (a divisor of the attention heads) at which the weights and one
   * sequence of maxModelLen fit (of DEFAULT_MIN_CONTEXT_TOKENS, or the model's limit, when maxModelLen is not given)
   */
  readonly tensorParallel?: number;
  /** The quantisation served with. @default - the checkpoint's (none for a 16-bit one; catalog/planner.ts `impliedQuantization`) */
  readonly quantization?: Quantization;
  /** True when the checkpoint is published quantised (the engine reads its quantization_config). @default - from the checkpoint format */
  readonly prequantized?: boolean;
  /** @default 'auto' */
  readonly kvCacheDtype?: KvCacheDtype;
  /** Context length served. @default - the model's limit, capped by what fits (rounded down to a multiple of 1024) */
  readonly maxModelLen?: number;
  /** Share of GPU memory the engine takes. @default 0.9, divided among the sharers on a time-sliced pool */
  readonly gpuMemoryUtilization?: number;
  /** More server flags. @default [] */
  readonly extraArgs?: readonly string[];
}

/** A vLLM server on one node. */
export interface VllmServerProps extends HubModelServerProps {
  /** Pipeline stages inside the node (tensorParallel x pipelineParallel GPUs per pod). @default 1 */
  readonly pipelineParallel?: number;
  /** How vLLM loads the weights. @default - vLLM's auto format */
  readonly loading?: ModelLoadingProps;
  /**
   * Send request spans to an OpenTelemetry collector (`--otlp-traces-endpoint`, the exporter's protocol in
   * OTEL_EXPORTER_OTLP_TRACES_PROTOCOL). @default - no traces
   */
  readonly otlpTraces?: { readonly endpoint: string; readonly protocol: 'http/protobuf' | 'grpc' };
}

/** A TGI server: tensor parallel (`--num-shard`) only, TGI has no pipeline parallel. */
export type TgiServerProps = HubModelServerProps;

/** A vLLM server across nodes: tensor parallel inside a node, one pipeline stage per node. */
export interface MultiNodeVllmServerProps extends HubModelServerProps {
  /** Pipeline stages, one pod (node) each. @default - the fewest (2 or more) at which the model fits */
  readonly pipelineParallel?: number;
  /** How vLLM loads the weights. @default - vLLM's auto format */
  readonly loading?: ModelLoadingProps;
}

/** An Ollama server (dev): it pulls its own 4-bit build of the model from Ollama's library, on one GPU. */
export interface OllamaServerProps extends ModelServerBaseProps {
  /** The model in Ollama's library, e.g. `llama3.1:8b-instruct-q4_K_M`. @default - the catalogue's `ollamaTag` of the model */
  readonly ollamaTag?: string;
}

/** What an LLM server runs with once its props are filled in from the catalogues and the planner. */
export interface LlmServerSettings {
  readonly name: string;
  readonly namespace: string;
  /** Hugging Face model id. */
  readonly model: string;
  /** Commit SHA of the model repo. @default - the repo's default branch */
  readonly revision?: string;
  /** The GPU pool's name. */
  readonly pool: string;
  /** @default 'nvidia.com/gpu' */
  readonly gpuResource?: string;
  readonly tensorParallel: number;
  readonly pipelineParallel: number;
  readonly quantization: Quantization;
  readonly prequantized: boolean;
  readonly kvCacheDtype: KvCacheDtype;
  readonly maxModelLen: number;
  readonly gpuMemoryUtilization: number;
  readonly replicas: number;
  /** @default - the engine's pinned image */
  readonly image?: ImagePin;
  /** @default [] */
  readonly extraArgs?: readonly string[];
  /** @default - one volume per replica */
  readonly cache?: ModelCacheProps;
  /** @default - no token */
  readonly hfTokenSecret?: SecretKeyRef;
  /** @default false */
  readonly trustRemoteCode?: boolean;
  readonly load: ServerLoad;
  /** @default - sized from the load */
  readonly startupTimeoutSeconds?: number;
  /** @default - 100 MB/s download, 500 MB/s cache read */
  readonly startupRates?: StartupRatesProps;
  /** @default - vLLM's auto format (vLLM only) */
  readonly loading?: ModelLoadingProps;
  /** @default false */
  readonly autoscaled?: boolean;
  /** @default - replicas */
  readonly maxReplicas?: number;
  /**
   * vLLM: send request spans to an OpenTelemetry collector (`--otlp-traces-endpoint`, the exporter's protocol in
   * OTEL_EXPORTER_OTLP_TRACES_PROTOCOL). @default - no traces
   */
  readonly otlpTraces?: { readonly endpoint: string; readonly protocol: 'http/protobuf' | 'grpc' };
}

/**
 * A model server the gateway can route to: VllmServer, TgiServer, OllamaServer, MultiNodeVllmServer and
 * TeiEmbeddingServer implement it.
 */
export interface IModelServer {
  /** The model name clients ask for (the server's name). */
  readonly servedModelName: string;
  /** The Service in front of the server. */
  readonly serviceName: string;
  readonly namespace: string;
  /** The Service's HTTP port. */
  readonly port: number;
  readonly engine: 'vllm' | 'tgi' | 'ollama' | 'tei';
  /** Labels of the serving pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** In-cluster base URL, `http://<service>.<namespace>.svc.cluster.local:<port>`. */
  readonly url: string;
  /** Ollama: the model in Ollama's library. @default - none (other engines) */
  readonly ollamaTag?: string;
}

/** The in-cluster base URL of a Service. */
export function serviceUrl(service: string, namespace: string, port: number): string {
  return `http://${service}.${namespace}.svc.cluster.local:${port}`;
}
