import { readFileSync } from 'node:fs';
import { projectPath } from '../lib/project-root';
import { poolAllocatable, type MigStrategy } from '../catalog/gpus';
import { IMAGES, imageRef } from '../catalog/images';
import { MIG_CONFIG_LABEL, type GpuNodePool } from './gpu-node-pool';
import { ClusterRoleBindingV1, ClusterRoleV1, ServiceAccountV1, type JobV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { scriptJob } from './private/script-job';

const SCRIPT = readFileSync(projectPath('constructs', 'assets', 'gpu-readiness.py'), 'utf8');

/** Namespace and ServiceAccount of the gates. */
export const GPU_READINESS = 'gpu-readiness';
/** `nobody`: the python image runs under an arbitrary UID (images.json). */
const PYTHON_UID = 65534;
/**
 * How long a pool may take to offer its GPUs after its labels are applied: the driver container (image pull, kernel
 * module build or precompiled load), container toolkit, validator and device plugin, one node at a time at worst.
 */
export const GPU_READY_SECONDS = 30 * 60;
/** More for a MIG pool: the MIG manager stops GPU clients, repartitions, and the device plugin restarts. */
export const MIG_RECONFIGURE_SECONDS = 15 * 60;
/** The pod's own start (the small python image pull, scheduling) on top of the script's wait. */
const POD_START_SECONDS = 5 * 60;

/** What a gate waits for (`pool.json` next to the script). */
export interface GateSpec {
  readonly pool: string;
  readonly nodes: readonly string[];
  /** Extended resource, or `nvidia.com/mig-*` for every MIG slice together. */
  readonly resource: string;
  readonly expectedPerNode: number;
  /** The pool's `nvidia.com/mig.config`, on a MIG pool. @default - not a MIG pool: no MIG state is waited for */
  readonly migConfig?: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
}

/**
 * Gates on GPU readiness, one Job per pool: it completes when every node of the pool reports, as allocatable, the GPU
 * resources the pool promises (`poolAllocatable`: the resource under the cluster's MIG strategy, GPUs per node x
 * time-slicing replicas or MIG instances) and, on a MIG pool, the MIG manager reports its config applied
 * (`nvidia.com/mig.config.state=success`). Terraform waits for it (`wait_for_completion`), so the models stack, which
 * depends on this one, starts its servers only on GPUs that exist. Bounded three ways: the script gives up first with
 * a message naming each node and what it reports, then the Job's deadline, then Terraform's timeout. The Job's name
 * carries a hash of the script and what it waits for, so a change runs it again.
 *
 * It needs no GPU node: no GPU request and no GPU toleration; it runs restricted, in its own namespace, under a
 * ServiceAccount whose ClusterRole may only get and list nodes.
 */
export class GpuReadiness extends Construct {
  /** The namespace the gates run in (made by the caller, Pod Security `restricted`). */
  readonly namespace: string;
  readonly serviceAccount: ServiceAccountV1;
  readonly gates: Record<string, JobV1> = {};

  constructor(scope: Construct, id: string, props: { readonly namespace: string }) {
    super(scope, id);
    this.namespace = props.namespace;
    this.serviceAccount = new ServiceAccountV1(this, 'service-account', {
      metadata: { name: GPU_READINESS, namespace: this.namespace, labels: { 'app.kubernetes.io/managed-by': 'inference-stack' } },
      automountServiceAccountToken: false,
    });
    const role = new ClusterRoleV1(this, 'cluster-role', {
      metadata: { name: `inference-stack-${GPU_READINESS}`, labels: { 'app.kubernetes.io/managed-by': 'inference-stack' } },
      rule: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }],
    });
    new ClusterRoleBindingV1(this, 'cluster-role-binding', {
      dependsOn: [this.serviceAccount],
      metadata: { name: `inference-stack-${GPU_READINESS}`, labels: { 'app.kubernetes.io/managed-by': 'inference-stack' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
      subject: [{ kind: 'ServiceAccount', name: GPU_READINESS, namespace: this.namespace }],
    });
  }

  /** The gate of one pool, after everything the pool writes to its nodes. */
  gate(pool: GpuNodePool, strategy: MigStrategy): JobV1 {
    const want = poolAllocatable(pool.gpu, pool.gpusPerNode, pool.sharing, strategy);
    const mig = pool.nodeLabels[MIG_CONFIG_LABEL];
    const wait = GPU_READY_SECONDS + (mig ? MIG_RECONFIGURE_SECONDS : 0);
    const gateSpec: GateSpec = { pool: pool.name, nodes: pool.nodes, resource: want.resource, expectedPerNode: want.perNode, ...(mig ? { migConfig: mig } : {}), timeoutSeconds: wait, pollSeconds: 15 };
    const { job } = scriptJob(this, `gate-${pool.name}`, {
      // `gpu-ready-` + a pool name (40 at most) + `-` + 10 hex = 61: within the 63 of the job-name label.
      name: `gpu-ready-${pool.name}`,
      namespace: this.namespace,
      image: imageRef(IMAGES.python),
      command: ['python3', '/gate/gpu-readiness.py'],
      // What it waits for is a file, so that the Job's name (a hash of its files) changes with it.
      files: { 'gpu-readiness.py': SCRIPT, 'pool.json': `${JSON.stringify(gateSpec, null, 2)}\n` },
      mountPath: '/gate',
      env: [{ name: 'SPEC', value: '/gate/pool.json' }],
      uid: PYTHON_UID,
      serviceAccount: GPU_READINESS,
      // One bounded wait: a retry would only start the clock again.
      backoffLimit: 0,
      activeDeadlineSeconds: wait + POD_START_SECONDS,
      timeout: `${wait + 2 * POD_START_SECONDS}s`,
      dependsOn: [...pool.resources, this.serviceAccount],
    });
    this.gates[pool.name] = job;
    return job;
  }
}
