/**
 * What a model server pod is, in one place: the pod of a single-node server's StatefulSet and the leader and
 * worker pods of a multi-node server's LeaderWorkerSet are all `modelPodTemplate`. Non-root with writable HOME,
 * cache and /tmp volumes, an in-memory /dev/shm, GPU limits, the pool's node selector and toleration, distinct
 * probes, the restricted security contexts and, for replicated servers, a spread over nodes.
 *
 * It is written once in the Kubernetes API's shape (typed by kubernetes-models, which is what a raw manifest
 * takes); `providerPodTemplate` renders the same pod for the provider's StatefulSet binding.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { GPU_RESOURCE } from '../../catalog/gpus';
import { restrictedContainerSecurity, restrictedPodSecurity, spreadOverNodes } from '../../charts/pod-security';
import { GPU_TAINT, POOL_LABEL } from '../gpu-node-pool';
import type { StatefulSetV1 } from '../../lib/bindings';

export const GIB = 1024 ** 3;

/** A byte count as a Kubernetes quantity in whole GiB, rounded up. */
export const gi = (bytes: number) => `${Math.ceil(bytes / GIB)}Gi`;

/** UID/GID model servers run as (vLLM's image ships this non-root user). */
export const SERVER_UID = 2000;
/** Where the writable volumes are mounted. */
export const PATHS = { cache: '/cache', home: '/home/inference', tmp: '/tmp', shm: '/dev/shm', weights: '/models' } as const;
/**
 * The volumes a server container writes to, one per path above. Its root file system is NOT read-only
 * (restrictedContainerSecurity() is called without readOnlyRootFilesystem): these volumes give the non-root UID
 * writable, sized places for caches, HOME and temporary files on any image.
 */
export const SERVER_MOUNTS = [
  { name: 'cache', mountPath: PATHS.cache },
  { name: 'home', mountPath: PATHS.home },
  { name: 'tmp', mountPath: PATHS.tmp },
  { name: 'shm', mountPath: PATHS.shm },
] as const;

export type EnvVar = { readonly name: string; readonly value: string } | { readonly name: string; readonly secret: { readonly name: string; readonly key: string } };

export interface Probe {
  /** HTTP path; a TCP check on the port when absent. */
  readonly path?: string;
  readonly periodSeconds: number;
  readonly failureThreshold: number;
  readonly timeoutSeconds?: number;
}

/** The three probes of a server, on its http port. */
export interface ServerPodProbes {
  readonly startup: Probe;
  readonly readiness: Probe;
  readonly liveness: Probe;
}

export interface ModelPodProps {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
  /** The API port (`http`); the probes check it. */
  readonly port: number;
  /** More named container ports (metrics, the rendezvous of a multi-node group). */
  readonly extraPorts?: readonly { readonly name: string; readonly containerPort: number }[];
  /** Absent for a pod that serves nothing to probe (a headless worker of a multi-node group). */
  readonly probes?: ServerPodProbes;
  /** GPUs (or MIG slices) of the pod; 0 for a CPU server. */
  readonly gpus: number;
  /** The extended resource of one GPU of the pool. @default 'nvidia.com/gpu' */
  readonly gpuResource?: string;
  readonly cpuRequest: string;
  /** Memory request and limit, bytes, /dev/shm not included. */
  readonly memoryBytes: number;
  /** Size of the in-memory /dev/shm, bytes (counted in the memory limit). */
  readonly shmBytes: number;
  /**
   * The cache volume, when the pod has it (a StatefulSet's claim template provides it otherwise): an existing
   * claim, or a generic ephemeral volume that lives as long as the pod.
   */
  readonly cache?:
    | { readonly existingClaim: string }
    | { readonly ephemeral: { readonly sizeGiB: number; readonly storageClass?: string } }
    | { readonly shared: SharedCacheMount };
  /** The GPU pool: node selector and GPU toleration; absent for a CPU server. */
  readonly pool?: string;
  /** Spread the pods these labels select over nodes (`required`: never two on one node); absent: no constraint. */
  readonly spread?: { readonly matchLabels: Readonly<Record<string, string>>; readonly required: boolean };
}

/**
 * A shared model cache (a ReadWriteMany claim filled by a prefetch Job): the hub cache read-only at PATHS.weights,
 * the model's own compile-cache folder writable at PATHS.cache (where HF_HOME, VLLM_CACHE_ROOT and Triton write).
 */
export interface SharedCacheMount {
  readonly claimName: string;
  readonly hubSubPath: string;
  readonly compileSubPath: string;
}

/** Requests and limits: memory with /dev/shm, the GPUs, ephemeral storage for HOME, /tmp, compile caches and logs. */
export function modelPodResources(p: Pick<ModelPodProps, 'gpus' | 'gpuResource' | 'cpuRequest' | 'memoryBytes' | 'shmBytes'>) {
  const memory = gi(p.memoryBytes + p.shmBytes);
  const gpu = p.gpus > 0 ? { [p.gpuResource ?? GPU_RESOURCE]: String(p.gpus) } : {};
  // Downloads go to the cache volume.
  return {
    requests: { cpu: p.cpuRequest, memory, 'ephemeral-storage': '4Gi', ...gpu },
    limits: { memory, 'ephemeral-storage': '20Gi', ...gpu },
  };
}

function probe(p: Probe, port: number): IProbe {
  return {
    periodSeconds: p.periodSeconds,
    failureThreshold: p.failureThreshold,
    timeoutSeconds: p.timeoutSeconds ?? 5,
    ...(p.path ? { httpGet: { path: p.path, port } } : { tcpSocket: { port } }),
  };
}

function envVar(e: EnvVar): IEnvVar {
  return 'secret' in e ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secret.name, key: e.secret.key } } } : { name: e.name, value: e.value };
}

function cacheVolume(cache: NonNullable<ModelPodProps['cache']>): IVolume {
  if ('shared' in cache) return { name: 'cache', persistentVolumeClaim: { claimName: cache.shared.claimName } };
  return 'existingClaim' in cache
    ? { name: 'cache', persistentVolumeClaim: { claimName: cache.existingClaim } }
    : {
        name: 'cache',
        ephemeral: {
          volumeClaimTemplate: {
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(cache.ephemeral.storageClass ? { storageClassName: cache.ephemeral.storageClass } : {}),
              resources: { requests: { storage: `${cache.ephemeral.sizeGiB}Gi` } },
            },
          },
        },
      };
}

/** The container's mounts: the writable volumes, and with a shared cache its two views of the claim. */
function serverMounts(cache: ModelPodProps['cache']): IContainer['volumeMounts'] {
  const shared = cache && 'shared' in cache ? cache.shared : undefined;
  return [
    ...SERVER_MOUNTS.map((m) => (shared && m.name === 'cache' ? { name: m.name, mountPath: m.mountPath, subPath: shared.compileSubPath } : { name: m.name, mountPath: m.mountPath })),
    ...(shared ? [{ name: 'cache', mountPath: PATHS.weights, subPath: shared.hubSubPath, readOnly: true }] : []),
  ];
}

/** The pod of a model server, as the Kubernetes API (and a raw manifest) takes it. */
export function modelPodTemplate(p: ModelPodProps): IPodTemplateSpec {
  const container: IContainer = {
    name: 'server',
    image: p.image,
    imagePullPolicy: 'IfNotPresent',
    ...(p.command ? { command: [...p.command] } : {}),
    args: [...p.args],
    env: p.env.map(envVar),
    ports: [{ name: 'http', containerPort: p.port }, ...(p.extraPorts ?? []).map((x) => ({ name: x.name, containerPort: x.containerPort }))],
    resources: modelPodResources(p),
    securityContext: restrictedContainerSecurity(),
    ...(p.probes
      ? { startupProbe: probe(p.probes.startup, p.port), readinessProbe: probe(p.probes.readiness, p.port), livenessProbe: probe(p.probes.liveness, p.port) }
      : {}),
    volumeMounts: serverMounts(p.cache),
  };
  return {
    metadata: { labels: { ...p.labels }, ...(p.annotations ? { annotations: { ...p.annotations } } : {}) },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 60,
      securityContext: restrictedPodSecurity({ runAsUser: SERVER_UID, runAsGroup: SERVER_UID, fsGroup: SERVER_UID, fsGroupChangePolicy: 'OnRootMismatch' }),
      ...(p.spread ? { topologySpreadConstraints: [spreadOverNodes(p.spread.matchLabels, p.spread.required)] } : {}),
      ...(p.pool
        ? { nodeSelector: { [POOL_LABEL]: p.pool }, tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }] }
        : {}),
      containers: [container],
      volumes: [
        ...(p.cache ? [cacheVolume(p.cache)] : []),
        { name: 'home', emptyDir: { sizeLimit: '2Gi' } },
        { name: 'tmp', emptyDir: { sizeLimit: '8Gi' } },
        { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: gi(p.shmBytes) } },
      ],
    },
  };
}

/** The pod template block of the provider's StatefulSet binding. */
export type ProviderPodTemplate = ConstructorParameters<typeof StatefulSetV1>[2]['spec']['template'];

/** Fields a renderer does not carry over are refused, never dropped. */
function refuseOthers(where: string, rest: object): void {
  const keys = Object.keys(rest);
  if (keys.length > 0) throw new Error(`model pod: ${where} field(s) ${keys.join(', ')} have no provider rendering in model-pod.ts`);
}

const text = (v: string | number | undefined) => (v === undefined ? undefined : String(v));
const quantities = (q: Readonly<Record<string, string | number>> | undefined) =>
  q && Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));

function providerProbe(p: IProbe | undefined) {
  if (!p) return undefined;
  const { periodSeconds, failureThreshold, timeoutSeconds, httpGet, tcpSocket, ...rest } = p;
  refuseOthers('probe', rest);
  return {
    periodSeconds,
    failureThreshold,
    timeoutSeconds,
    ...(httpGet ? { httpGet: { path: httpGet.path, port: String(httpGet.port) } } : {}),
    ...(tcpSocket ? { tcpSocket: [{ port: String(tcpSocket.port) }] } : {}),
  };
}

/**
 * The same pod for the provider's StatefulSet binding: its block names (`container`, `port`, `volume_mount`,
 * `toleration`, ...), IDs and ports as strings, single blocks as lists where the provider has them so.
 */
export function providerPodTemplate(p: ModelPodProps): ProviderPodTemplate {
  return toProviderPodTemplate(modelPodTemplate(p));
}

/** A model pod in the API's shape, for the provider binding (the fields model pods use; others are refused). */
export function toProviderPodTemplate(template: IPodTemplateSpec): ProviderPodTemplate {
  const metadata = template.metadata ?? {};
  const spec = template.spec ?? { containers: [] };
  const { automountServiceAccountToken, enableServiceLinks, terminationGracePeriodSeconds, securityContext, topologySpreadConstraints, nodeSelector, tolerations, containers, volumes, ...rest } = spec;
  refuseOthers('pod', rest);
  const pod = securityContext ?? {};
  return {
    metadata: { labels: metadata.labels, annotations: metadata.annotations },
    spec: {
      automountServiceAccountToken,
      enableServiceLinks,
      terminationGracePeriodSeconds,
      securityContext: {
        runAsNonRoot: pod.runAsNonRoot,
        runAsUser: text(pod.runAsUser),
        runAsGroup: text(pod.runAsGroup),
        fsGroup: text(pod.fsGroup),
        fsGroupChangePolicy: pod.fsGroupChangePolicy,
        seccompProfile: pod.seccompProfile,
      },
      topologySpreadConstraint: topologySpreadConstraints?.map((c) => ({
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        whenUnsatisfiable: c.whenUnsatisfiable,
        nodeTaintsPolicy: c.nodeTaintsPolicy,
        nodeAffinityPolicy: c.nodeAffinityPolicy,
        labelSelector: c.labelSelector ? [{ matchLabels: c.labelSelector.matchLabels }] : undefined,
      })),
      nodeSelector,
      toleration: tolerations?.map((t) => ({ key: t.key, operator: t.operator, effect: t.effect })),
      container: containers.map((c) => {
        const { name, image, imagePullPolicy, command, args, env, ports, resources, securityContext: sc, startupProbe, readinessProbe, livenessProbe, volumeMounts, ...others } = c;
        refuseOthers('container', others);
        return {
          name,
          image,
          imagePullPolicy,
          command,
          args,
          env: env?.map((e) => ({
            name: e.name,
            value: e.value,
            valueFrom: e.valueFrom?.secretKeyRef ? { secretKeyRef: { name: e.valueFrom.secretKeyRef.name, key: e.valueFrom.secretKeyRef.key } } : undefined,
          })),
          port: ports?.map((x) => ({ name: x.name, containerPort: x.containerPort })),
          resources: { requests: quantities(resources?.requests), limits: quantities(resources?.limits) },
          securityContext: sc && {
            allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
            privileged: sc.privileged,
            runAsNonRoot: sc.runAsNonRoot,
            capabilities: sc.capabilities && { drop: sc.capabilities.drop, add: sc.capabilities.add },
            seccompProfile: sc.seccompProfile,
          },
          startupProbe: providerProbe(startupProbe),
          readinessProbe: providerProbe(readinessProbe),
          livenessProbe: providerProbe(livenessProbe),
          volumeMount: volumeMounts?.map((m) => {
            const { name: mount, mountPath, subPath, readOnly, ...rest } = m;
            refuseOthers(`volume mount ${mount}`, rest);
            return { name: mount, mountPath, ...(subPath !== undefined ? { subPath } : {}), ...(readOnly !== undefined ? { readOnly } : {}) };
          }),
        };
      }),
      volume: volumes?.map((v) => {
        const { name, persistentVolumeClaim, emptyDir, ...others } = v;
        refuseOthers(`volume ${name}`, others);
        return {
          name,
          ...(persistentVolumeClaim ? { persistentVolumeClaim: { claimName: persistentVolumeClaim.claimName } } : {}),
          ...(emptyDir ? { emptyDir: { medium: emptyDir.medium, sizeLimit: text(emptyDir.sizeLimit) } } : {}),
        };
      }),
    },
  };
}
