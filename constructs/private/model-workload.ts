/**
 * What every single-node model and embedding server has in common: a StatefulSet (each replica keeps its own
 * model cache across restarts) of the model pod (model-pod.ts), a Service, a PodDisruptionBudget.
 */
import { PodDisruptionBudgetV1, ServiceV1, StatefulSetV1 } from '../../lib/bindings';
import { Construct, TerraformResource, type ITerraformDependable } from '../../lib/cdktf';
import { providerPodTemplate, type EnvVar, type Probe, type SharedCacheMount } from './model-pod';

export interface ModelWorkloadProps {
  readonly name: string;
  readonly namespace: string;
  /** `app.kubernetes.io/component`: model-server or embedding-server. */
  readonly component: string;
  /** `inference-stack.io/engine`: vllm, tgi, ollama or tei (what scrapes and dashboards select by). */
  readonly engine: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
  readonly port: number;
  /** A separate metrics port, when the server has one. */
  readonly metricsPort?: number;
  readonly replicas: number;
  /** GPUs (or MIG slices) per pod; 0 for a CPU server. */
  readonly gpus: number;
  /** The extended resource of one GPU of the pool (`gpuResourceName`). @default 'nvidia.com/gpu' */
  readonly gpuResource?: string;
  /** The GPU pool; absent for a CPU server. */
  readonly pool?: string;
  readonly cpuRequest: string;
  /** Memory request and limit, bytes, /dev/shm not included. */
  readonly memoryBytes: number;
  /** Size of the in-memory /dev/shm, bytes (counted in the memory limit). */
  readonly shmBytes: number;
  readonly cache: { readonly sizeGiB: number; readonly storageClass?: string; readonly existingClaim?: string; readonly shared?: SharedCacheMount };
  /** What must exist before the StatefulSet (the prefetch Job of a shared cache). @default [] */
  readonly dependsOn?: ITerraformDependable[];
  readonly startup: Probe;
  readonly readiness: Probe;
  readonly liveness: Probe;
  /** How long Terraform waits for the rollout (`rolloutTimeouts` in server-sizing.ts). */
  readonly rolloutTimeouts: { readonly create: string; readonly update: string };
  /**
   * Spread replicas over nodes: `required` refuses to place two on one node (embedding servers in prod),
   * `preferred` tries to (GPU servers: scarce GPUs come first). @default 'preferred'
   */
  readonly spread?: 'required' | 'preferred';
  /** An autoscaler owns the replica count: Terraform sets it at creation only. @default false */
  readonly autoscaled?: boolean;
}

export class ModelWorkload extends Construct {
  readonly statefulSet: StatefulSetV1;
  readonly service: ServiceV1;
  readonly pdb: PodDisruptionBudgetV1;
  /** The cache mode (per-replica claims or an existing claim): a change replaces the StatefulSet. */
  readonly cacheMode: TerraformResource;
  readonly labels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, p: ModelWorkloadProps) {
    super(scope, id);
    if (p.name.length > 63) throw new Error(`server name "${p.name}" is ${p.name.length} characters; Kubernetes allows 63`);
    const selector = { 'app.kubernetes.io/name': p.name, 'app.kubernetes.io/instance': p.name };
    this.labels = { ...selector, 'app.kubernetes.io/component': p.component, 'inference-stack.io/engine': p.engine, 'app.kubernetes.io/managed-by': 'inference-stack' };
    const claimed = p.cache.existingClaim !== undefined || p.cache.shared !== undefined;
    const ignoreChanges = [...(p.autoscaled ? ['spec[0].replicas'] : []), ...(claimed ? [] : ['spec[0].volume_claim_template'])];
    // With the claim template ignored, a switch between per-replica claims and an existing claim would change only
    // the pod's volumes, and the rollout would start pods without their cache: the mode replaces the StatefulSet
    // instead (Terraform: creating this terraform_data triggers nothing, changing its input does). The mode only: a
    // new name of an existing claim changes pod volumes, which a rolling update handles one replica at a time.
    // A shared cache mounts the claim twice (read-only weights, writable compile caches) and runs offline: a mode of its own.
    this.cacheMode = new TerraformDataRecord(this, 'cache-mode', { cache: p.cache.shared ? 'shared' : p.cache.existingClaim ? 'existing-claim' : 'per-replica' });
    this.statefulSet = new StatefulSetV1(this, 'statefulset', {
      ...(p.dependsOn && p.dependsOn.length > 0 ? { dependsOn: p.dependsOn } : {}),
      // The claim template is ForceNew (provider v2.38.0, schema_stateful_set_spec.go): a new cache size or label
      // there would delete and recreate the serving StatefulSet, and the retained claims keep their size anyway.
      // Kept as first applied; resizing is a separate operation (README, Deploying: cache resize).
      ...(ignoreChanges.length > 0 ? { lifecycle: { ignoreChanges } } : {}),
      metadata: { name: p.name, namespace: p.namespace, labels: this.labels },
      waitForRollout: true,
      timeouts: { ...p.rolloutTimeouts },
      spec: {
        serviceName: p.name,
        replicas: String(p.replicas),
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        updateStrategy: [{ type: 'RollingUpdate' }],
        ...(claimed
          ? {}
          : {
              persistentVolumeClaimRetentionPolicy: [{ whenDeleted: 'Retain', whenScaled: 'Retain' }],
              volumeClaimTemplate: [
                {
                  metadata: { name: 'cache', labels: this.labels },
                  spec: {
                    accessModes: ['ReadWriteOnce'],
                    ...(p.cache.storageClass ? { storageClassName: p.cache.storageClass } : {}),
                    resources: { requests: { storage: `${p.cache.sizeGiB}Gi` } },
                  },
                },
              ],
            }),
        template: providerPodTemplate({
          labels: this.labels,
          annotations: { 'kubectl.kubernetes.io/default-container': 'server' },
          image: p.image,
          command: p.command,
          args: p.args,
          env: p.env,
          port: p.port,
          extraPorts: p.metricsPort ? [{ name: 'metrics', containerPort: p.metricsPort }] : [],
          probes: { startup: p.startup, readiness: p.readiness, liveness: p.liveness },
          gpus: p.gpus,
          gpuResource: p.gpuResource,
          cpuRequest: p.cpuRequest,
          memoryBytes: p.memoryBytes,
          shmBytes: p.shmBytes,
          // Without an existing claim, the claim template above gives each replica its cache.
          cache: p.cache.shared ? { shared: p.cache.shared } : p.cache.existingClaim ? { existingClaim: p.cache.existingClaim } : undefined,
          pool: p.pool,
          spread: p.replicas > 1 ? { matchLabels: selector, required: p.spread === 'required' } : undefined,
        }),
      },
    });

    // cdktf renders a reference in replace_triggered_by as "${...}", which Terraform's JSON syntax refuses there
    // (Terraform 1.11: "Invalid expression"); the plain address is what it parses.
    this.statefulSet.addOverride('lifecycle.replace_triggered_by', [`${this.cacheMode.terraformResourceType}.${this.cacheMode.friendlyUniqueId}`]);
    this.service = new ServiceV1(this, 'service', {
      metadata: { name: p.name, namespace: p.namespace, labels: this.labels },
      spec: {
        type: 'ClusterIP',
        selector,
        port: [
          { name: 'http', port: p.port, targetPort: 'http', protocol: 'TCP' },
          ...(p.metricsPort ? [{ name: 'metrics', port: p.metricsPort, targetPort: 'metrics', protocol: 'TCP' }] : []),
        ],
      },
    });

    // One pod may always be evicted (node drains, driver upgrades): never a PDB that blocks maintenance.
    this.pdb = new PodDisruptionBudgetV1(this, 'pdb', {
      metadata: { name: p.name, namespace: p.namespace, labels: this.labels },
      spec: { maxUnavailable: '1', selector: { matchLabels: selector } },
    });
  }
}

/**
 * Terraform's built-in `terraform_data` holding a value. Not cdktf's DataResource: that class validates the local
 * Terraform binary's version at every synth (a `terraform version` process per instance: 30 s for 200 models, and a
 * failed synth on a machine without Terraform, such as a CI job that only snapshots the output).
 */
class TerraformDataRecord extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    private readonly input: Readonly<Record<string, string>>,
  ) {
    super(scope, id, { terraformResourceType: 'terraform_data' });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { input: this.input };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return { input: { value: this.input, isBlock: false, type: 'map', storageClassType: 'stringMap' } };
  }
}
