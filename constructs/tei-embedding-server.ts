import { imageRef, teiImage, type ImagePin } from '../catalog/images';
import { serviceUrl, type IModelServer, type ModelCacheProps, type SecretKeyRef } from './llm-server-props';
import type { PodDisruptionBudgetV1, ServiceV1, StatefulSetV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { GIB, PATHS, type EnvVar } from './private/model-pod';
import { ModelWorkload } from './private/model-workload';
import { cacheEnv, cacheSizeGiB, rolloutTimeouts, serverProbes, startupBudgetSeconds } from './private/server-sizing';

export const TEI_PORT = 8000;
export const TEI_METRICS_PORT = 9000;

export interface TeiEmbeddingServerProps {
  readonly name: string;
  readonly namespace: string;
  readonly model: string;
  /** Commit SHA of the model repo. @default - the repo's default branch (dev only) */
  readonly revision?: string;
  /** The GPU pool. @default - none: the server runs on CPU */
  readonly pool?: string;
  /** The extended resource of one GPU of the pool (`gpuResourceName`). @default 'nvidia.com/gpu' */
  readonly gpuResource?: string;
  /** Compute capability of the pool's GPU: it picks the TEI image built for that architecture. @default - TEI's CPU image */
  readonly computeCapability?: number;
  readonly replicas: number;
  /** Parameters of the model, for sizing. */
  readonly parameters: number;
  /** @default - TEI's image for the GPU architecture, or its CPU image */
  readonly image?: ImagePin;
  /** The model cache volume. @default - one volume per replica, sized from the model, of the default storage class */
  readonly cache?: ModelCacheProps;
  /** Hugging Face token, for gated models. @default - no token (public models only) */
  readonly hfTokenSecret?: SecretKeyRef;
  /** Refuse to place two replicas on one node (prod). @default false */
  readonly spreadRequired?: boolean;
}

/** The `text-embeddings-router` arguments (the image's entrypoint). */
export function teiArgs(p: TeiEmbeddingServerProps): string[] {
  return [
    '--model-id', p.model,
    ...(p.revision ? ['--revision', p.revision] : []),
    '--served-model-name', p.name,
    '--hostname', '0.0.0.0',
    '--port', String(TEI_PORT),
    '--prometheus-port', String(TEI_METRICS_PORT),
    '--huggingface-hub-cache', `${PATHS.cache}/huggingface/hub`,
  ];
}

/** A Text Embeddings Inference server on a GPU pool (the image for its architecture) or on CPU. */
export class TeiEmbeddingServer extends Construct implements IModelServer {
  readonly statefulSet: StatefulSetV1;
  readonly service: ServiceV1;
  readonly podDisruptionBudget: PodDisruptionBudgetV1;
  readonly port = TEI_PORT;
  readonly engine = 'tei';
  readonly servedModelName: string;
  readonly serviceName: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly url: string;

  constructor(scope: Construct, id: string, props: TeiEmbeddingServerProps) {
    super(scope, id);
    const onGpu = props.pool !== undefined;
    const checkpointBytes = props.parameters * 4; // embedding checkpoints are published in fp32
    const budget = startupBudgetSeconds({ downloadBytes: checkpointBytes, weightBytesPerGpu: checkpointBytes, gpus: onGpu ? 1 : 0 });
    const env: EnvVar[] = [...cacheEnv(), ...(props.hfTokenSecret ? [{ name: 'HF_TOKEN', secret: props.hfTokenSecret }] : [])];
    const workload = new ModelWorkload(this, 'workload', {
      name: props.name,
      namespace: props.namespace,
      component: 'embedding-server',
      engine: 'tei',
      image: imageRef(props.image ?? teiImage(onGpu ? props.computeCapability : undefined)),
      args: teiArgs(props),
      env,
      port: TEI_PORT,
      metricsPort: TEI_METRICS_PORT,
      replicas: props.replicas,
      gpus: onGpu ? 1 : 0,
      gpuResource: props.gpuResource,
      pool: props.pool,
      cpuRequest: onGpu ? '2' : '4',
      memoryBytes: (onGpu ? 4 : 8) * GIB,
      shmBytes: GIB,
      cache: { sizeGiB: props.cache?.sizeGiB ?? cacheSizeGiB(checkpointBytes), storageClass: props.cache?.storageClass, existingClaim: props.cache?.existingClaim },
      ...serverProbes(budget, { health: '/health', ready: '/health' }),
      rolloutTimeouts: rolloutTimeouts({ image: onGpu ? 'tei-gpu' : 'tei-cpu', startupBudgetSeconds: budget, replicas: props.replicas }),
      spread: props.spreadRequired ? 'required' : 'preferred',
    });
    this.statefulSet = workload.statefulSet;
    this.service = workload.service;
    this.podDisruptionBudget = workload.pdb;
    this.servedModelName = props.name;
    this.serviceName = props.name;
    this.namespace = props.namespace;
    this.podLabels = workload.labels;
    this.url = serviceUrl(props.name, props.namespace, TEI_PORT);
  }
}
