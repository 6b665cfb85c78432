/**
 * What every model and embedding server has in common: a StatefulSet (each replica keeps its own model cache
 * across restarts), a Service, a PodDisruptionBudget; non-root pods with writable HOME, cache and /tmp volumes,
 * an in-memory /dev/shm, GPU limits, the pool's node selector and toleration, and three distinct probes.
 */
import { GPU_RESOURCE } from '../../catalog/gpus';
import { GPU_TAINT, POOL_LABEL } from '../gpu-node-pool';
import { PodDisruptionBudgetV1, ServiceV1, StatefulSetV1 } from '../../lib/bindings';
import { Construct } from '../../lib/cdktf';

export const GIB = 1024 ** 3;

/** UID/GID model servers run as (vLLM's image ships this non-root user). */
export const SERVER_UID = 2000;
/** Where the writable volumes are mounted. */
export const PATHS = { cache: '/cache', home: '/home/inference', tmp: '/tmp', shm: '/dev/shm' } as const;
/** The writable volumes of a server container (its root file system is read-only): one per path above. */
export const SERVER_MOUNTS = [
  { name: 'cache', mountPath: PATHS.cache },
  { name: 'home', mountPath: PATHS.home },
  { name: 'tmp', mountPath: PATHS.tmp },
  { name: 'shm', mountPath: PATHS.shm },
];

export type EnvVar = { readonly name: string; readonly value: string } | { readonly name: string; readonly secret: { readonly name: string; readonly key: string } };

export interface Probe {
  /** HTTP path; a TCP check on the port when absent. */
  readonly path?: string;
  readonly periodSeconds: number;
  readonly failureThreshold: number;
  readonly timeoutSeconds?: number;
}

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
  readonly cache: { readonly sizeGiB: number; readonly storageClass?: string; readonly existingClaim?: string };
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

/** A byte count as a Kubernetes quantity in whole GiB, rounded up. */
export const gi = (bytes: number) => `${Math.ceil(bytes / GIB)}Gi`;

function probe(p: Probe, port: number) {
  return {
    periodSeconds: p.periodSeconds,
    failureThreshold: p.failureThreshold,
    timeoutSeconds: p.timeoutSeconds ?? 5,
    ...(p.path ? { httpGet: { path: p.path, port: String(port) } } : { tcpSocket: [{ port: String(port) }] }),
  };
}

export class ModelWorkload extends Construct {
  readonly statefulSet: StatefulSetV1;
  readonly service: ServiceV1;
  readonly pdb: PodDisruptionBudgetV1;
  readonly labels: Readonly<Record<string, string>>;
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };

  constructor(scope: Construct, id: string, p: ModelWorkloadProps) {
    super(scope, id);
    if (p.name.length > 63) throw new Error(`server name "${p.name}" is ${p.name.length} characters; Kubernetes allows 63`);
    const selector = { 'app.kubernetes.io/name': p.name, 'app.kubernetes.io/instance': p.name };
    this.labels = { ...selector, 'app.kubernetes.io/component': p.component, 'inference-stack.io/engine': p.engine, 'app.kubernetes.io/managed-by': 'inference-stack' };
    const memory = gi(p.memoryBytes + p.shmBytes);
    const gpu = p.gpus > 0 ? { [p.gpuResource ?? GPU_RESOURCE]: String(p.gpus) } : {};
    // Downloads go to the cache volume; ephemeral storage covers HOME, /tmp, compile caches and logs.
    this.resources = {
      requests: { cpu: p.cpuRequest, memory, 'ephemeral-storage': '4Gi', ...gpu },
      limits: { memory, 'ephemeral-storage': '20Gi', ...gpu },
    };
    const ports = [{ name: 'http', containerPort: p.port }, ...(p.metricsPort ? [{ name: 'metrics', containerPort: p.metricsPort }] : [])];

    const ignoreChanges = [...(p.autoscaled ? ['spec[0].replicas'] : []), ...(p.cache.existingClaim ? [] : ['spec[0].volume_claim_template'])];
    this.statefulSet = new StatefulSetV1(this, 'statefulset', {
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
        ...(p.cache.existingClaim
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
        template: {
          metadata: { labels: this.labels, annotations: { 'kubectl.kubernetes.io/default-container': 'server' } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 60,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: String(SERVER_UID),
              runAsGroup: String(SERVER_UID),
              fsGroup: String(SERVER_UID),
              fsGroupChangePolicy: 'OnRootMismatch',
              seccompProfile: { type: 'RuntimeDefault' },
            },
            ...(p.replicas > 1
              ? {
                  topologySpreadConstraint: [
                    {
                      maxSkew: 1,
                      topologyKey: 'kubernetes.io/hostname',
                      whenUnsatisfiable: p.spread === 'required' ? 'DoNotSchedule' : 'ScheduleAnyway',
                      // Count only the nodes these pods may use (their pool, untainted for them).
                      nodeTaintsPolicy: 'Honor',
                      nodeAffinityPolicy: 'Honor',
                      labelSelector: [{ matchLabels: selector }],
                    },
                  ],
                }
              : {}),
            ...(p.pool
              ? {
                  nodeSelector: { [POOL_LABEL]: p.pool },
                  toleration: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
                }
              : {}),
            container: [
              {
                name: 'server',
                image: p.image,
                imagePullPolicy: 'IfNotPresent',
                ...(p.command ? { command: [...p.command] } : {}),
                args: [...p.args],
                env: p.env.map((e) =>
                  'secret' in e
                    ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secret.name, key: e.secret.key } } }
                    : { name: e.name, value: e.value },
                ),
                port: ports,
                resources: this.resources,
                securityContext: {
                  allowPrivilegeEscalation: false,
                  privileged: false,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                startupProbe: probe(p.startup, p.port),
                readinessProbe: probe(p.readiness, p.port),
                livenessProbe: probe(p.liveness, p.port),
                volumeMount: SERVER_MOUNTS,
              },
            ],
            volume: [
              ...(p.cache.existingClaim ? [{ name: 'cache', persistentVolumeClaim: { claimName: p.cache.existingClaim } }] : []),
              { name: 'home', emptyDir: { sizeLimit: '2Gi' } },
              { name: 'tmp', emptyDir: { sizeLimit: '8Gi' } },
              { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: gi(p.shmBytes) } },
            ],
          },
        },
      },
    });

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
