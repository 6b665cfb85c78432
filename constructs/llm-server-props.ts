import type { ImagePin } from '../catalog/images';
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

/** What every LLM server (vLLM, TGI, Ollama) is given. */
export interface LlmServerProps {
  /** Server name; also the model name clients ask for. */
  readonly name: string;
  readonly namespace: string;
  /** Hugging Face model id. */
  readonly model: string;
  /** Commit SHA of the model repo. @default - the repo's default branch (dev only) */
  readonly revision?: string;
  /** The GPU pool (its label value). */
  readonly pool: string;
  /**
   * The extended resource one GPU of the pool is (`gpuResourceName`: `nvidia.com/gpu`, or `nvidia.com/mig-<profile>`
   * under the mixed MIG strategy). @default 'nvidia.com/gpu'
   */
  readonly gpuResource?: string;
  readonly tensorParallel: number;
  readonly pipelineParallel: number;
  /** The quantisation served with (planner's effective value). */
  readonly quantization: Quantization;
  /** True when the checkpoint is published quantised (the engine reads its quantization_config). */
  readonly prequantized: boolean;
  readonly kvCacheDtype: KvCacheDtype;
  readonly maxModelLen: number;
  readonly gpuMemoryUtilization: number;
  readonly replicas: number;
  /** @default - the engine's pinned image */
  readonly image?: ImagePin;
  /** More server flags. @default [] */
  readonly extraArgs?: readonly string[];
  /** The model cache volume. @default - one volume per replica, sized from the load, of the default storage class */
  readonly cache?: ModelCacheProps;
  /** Hugging Face token, for gated models. @default - no token (public models only) */
  readonly hfTokenSecret?: SecretKeyRef;
  /** @default false */
  readonly trustRemoteCode?: boolean;
  /** Download and load sizes, for probes and volumes. */
  readonly load: ServerLoad;
  /** Startup probe budget. @default - sized from the load */
  readonly startupTimeoutSeconds?: number;
  /** An autoscaler owns the replica count (`replicas` is the count at creation). @default false */
  readonly autoscaled?: boolean;
  /** The most replicas an autoscaler may run: rollouts wait for the live count. @default - replicas */
  readonly maxReplicas?: number;
  /**
   * vLLM: send request spans to an OpenTelemetry collector (`--otlp-traces-endpoint`, the exporter's protocol in
   * OTEL_EXPORTER_OTLP_TRACES_PROTOCOL). @default - no traces
   */
  readonly otlpTraces?: { readonly endpoint: string; readonly protocol: 'http/protobuf' | 'grpc' };
}
