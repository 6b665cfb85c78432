import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { IMAGES, imageRef } from '../catalog/images';
import { serviceUrl, type IModelServer, type LlmServerSettings, type MultiNodeVllmServerProps } from './llm-server-props';
import { Manifest, PodDisruptionBudgetV1, ServiceV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { hubServerSettings } from './private/llm-settings';
import { PATHS, modelPodTemplate } from './private/model-pod';
import { cacheEnv, cacheSizeGiB, cpuRequest, hostMemoryBytes, rolloutTimeouts, serverProbes, shmBytes, startupBudgetSeconds } from './private/server-sizing';
import { sharedCache } from './private/shared-cache';
import { VLLM_PORT, vllmArgs } from './vllm-server';

/**
 * A LeaderWorkerSet (leaderworkerset.x-k8s.io/v1, the fields we set; no kubernetes-models package has the type):
 * checked against the CRD of the pinned LWS chart in the tests.
 */
interface LeaderWorkerSetManifest {
  readonly apiVersion: 'leaderworkerset.x-k8s.io/v1';
  readonly kind: 'LeaderWorkerSet';
  readonly metadata: IObjectMeta;
  readonly spec: {
    readonly replicas?: number;
    readonly startupPolicy?: 'LeaderCreated' | 'LeaderReady';
    readonly leaderWorkerTemplate: {
      readonly size?: number;
      readonly restartPolicy?: 'Default' | 'RecreateGroupOnPodRestart' | 'RecreateGroupAfterStart' | 'None';
      readonly leaderTemplate?: IPodTemplateSpec;
      readonly workerTemplate: IPodTemplateSpec;
    };
  };
}

/** The LeaderWorkerSet of a model served across nodes. */
export function multiNodeGroupName(model: string): string {
  return `${model}-group`;
}

/** Port the engine processes of a group meet on (torch.distributed's rendezvous). */
export const MASTER_PORT = 29500;
const LWS_NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
const LWS_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';

/**
 * A vLLM server across nodes: a LeaderWorkerSet whose groups have one pod per pipeline stage, each with
 * `tensorParallel` GPUs of one node (tensor parallel inside a node, pipeline parallel across nodes), meeting over
 * vLLM's own multi-node launcher (`--nnodes`, `--node-rank`, `--master-addr`; workers `--headless`). The leader
 * serves the API behind the Service; a PodDisruptionBudget lets one pod go at a time.
 */
export class MultiNodeVllmServer extends Construct implements IModelServer {
  readonly leaderWorkerSet: Manifest;
  readonly service: ServiceV1;
  readonly port = VLLM_PORT;
  readonly engine = 'vllm';
  /** What the server runs with: the props filled in from the catalogues and the planner. */
  readonly settings: LlmServerSettings;
  readonly servedModelName: string;
  readonly serviceName: string;
  readonly namespace: string;
  /** Labels of the leader pods (the ones the Service selects serve the API). */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly url: string;
  /** Pods per group: the pipeline stages. */
  readonly groupSize: number;
  /** The manifest, for schema checks. */
  /** The manifest as rendered (typed inside by the kubernetes-models type, a dev dependency, so not in the public declarations). */
  readonly body: object;
  /**
   * The LeaderWorkerSet's name: LWS makes a headless Service of that name for its pods, so it is not the model's
   * name, which our ClusterIP Service (the gateway's target) keeps.
   */
  readonly groupName: string;

  constructor(scope: Construct, id: string, multiNodeProps: MultiNodeVllmServerProps) {
    super(scope, id);
    // The group's name adds '-group' to the server's.
    const props = hubServerSettings(this, 'MultiNodeVllmServer', 'vllm', multiNodeProps, { multiNode: true, maxNameLength: 63 - '-group'.length });
    this.settings = props;
    const size = props.pipelineParallel;
    this.groupSize = size;
    this.groupName = multiNodeGroupName(props.name);
    const gpusPerPod = props.tensorParallel;
    const shared = sharedCache(this, props, 'vllm', 'MultiNodeVllmServer');
    const budget = props.startupTimeoutSeconds ?? startupBudgetSeconds(props.load, shared ? 'shared' : 'per-replica', props.startupRates);
    const probes = serverProbes(budget, { health: '/health', ready: '/v1/models', live: '/health' });
    const labels = {
      'app.kubernetes.io/name': props.name,
      'app.kubernetes.io/instance': props.name,
      'app.kubernetes.io/component': 'model-server',
      'inference-stack.io/engine': 'vllm',
      'app.kubernetes.io/managed-by': 'inference-stack',
    };
    const common = [
      ...vllmArgs(props),
      '--distributed-executor-backend', 'mp',
      '--nnodes', String(size),
      '--master-addr', '$(LWS_LEADER_ADDRESS)',
      '--master-port', String(MASTER_PORT),
    ];
    const env = [
      ...cacheEnv({ VLLM_CACHE_ROOT: `${PATHS.cache}/vllm`, VLLM_NO_USAGE_STATS: '1', DO_NOT_TRACK: '1', ...shared?.env }),
      ...(props.hfTokenSecret ? [{ name: 'HF_TOKEN', secret: props.hfTokenSecret }] : []),
    ];
    const pod = (role: 'leader' | 'worker') =>
      modelPodTemplate({
        // A headless worker serves no endpoint to probe: the group restarts together (RecreateGroupOnPodRestart)
        // when the leader's probes fail, so workers are labelled apart from the probed servers.
        labels: { ...labels, ...(role === 'worker' ? { 'app.kubernetes.io/component': 'model-server-worker' } : {}), 'inference-stack.io/role': role },
        image: imageRef(props.image ?? IMAGES.vllm),
        args: role === 'leader' ? [...common, '--node-rank', '0', ...(props.extraArgs ?? [])] : [...common, '--node-rank', '$(LWS_WORKER_INDEX)', '--headless', ...(props.extraArgs ?? [])],
        env,
        port: VLLM_PORT,
        extraPorts: [{ name: 'dist', containerPort: MASTER_PORT }],
        probes: role === 'leader' ? probes : undefined,
        gpus: gpusPerPod,
        gpuResource: props.gpuResource,
        cpuRequest: cpuRequest(gpusPerPod),
        memoryBytes: hostMemoryBytes(gpusPerPod),
        shmBytes: shmBytes(gpusPerPod),
        // A cache volume per pod that lives as long as the pod (a generic ephemeral volume): groups are re-created
        // whole, so a shared ReadWriteMany claim (cache.existingClaim) saves the re-download.
        // A shared cache: every pod of every group reads the one claim the prefetch Job filled.
        cache: shared
          ? { shared: shared.mount }
          : props.cache?.existingClaim
          ? { existingClaim: props.cache.existingClaim }
          : { ephemeral: { sizeGiB: props.cache?.sizeGiB ?? cacheSizeGiB(props.load.downloadBytes), storageClass: props.cache?.storageClass } },
        pool: props.pool,
      });
    const body: LeaderWorkerSetManifest = {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name: this.groupName, namespace: props.namespace, labels },
      spec: {
        // With an autoscaler the replica count is its own: left out, so no apply sets it back.
        ...(props.autoscaled ? {} : { replicas: props.replicas }),
        startupPolicy: 'LeaderCreated',
        leaderWorkerTemplate: { size, restartPolicy: 'RecreateGroupOnPodRestart', leaderTemplate: pod('leader'), workerTemplate: pod('worker') },
      },
    };
    this.body = body;
    this.leaderWorkerSet = new Manifest(this, 'leaderworkerset', {
      ...(shared ? { dependsOn: [shared.prefetch.job] } : {}),
      manifest: body,
      timeouts: { ...rolloutTimeouts({ image: 'vllm', startupBudgetSeconds: budget, replicas: props.maxReplicas ?? props.replicas }) },
    });
    this.service = new ServiceV1(this, 'service', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: { [LWS_NAME_LABEL]: this.groupName, [LWS_INDEX_LABEL]: '0' },
        port: [{ name: 'http', port: VLLM_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    });
    new PodDisruptionBudgetV1(this, 'pdb', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: { maxUnavailable: '1', selector: { matchLabels: { [LWS_NAME_LABEL]: this.groupName } } },
    });
    this.servedModelName = props.name;
    this.serviceName = props.name;
    this.namespace = props.namespace;
    this.podLabels = { ...labels, 'inference-stack.io/role': 'leader' };
    this.url = serviceUrl(props.name, props.namespace, VLLM_PORT);
  }
}
