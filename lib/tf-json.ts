/**
 * A reader of synthesized `cdk.tf.json`: its types, the resources of a stack with their addresses, the workloads
 * with their pod specs (raw LeaderWorkerSet manifests included, in the provider's shape) and the Helm releases with
 * their values parsed. Read by the policy check (policy/rules.ts), the CLI and the tests; it imports nothing of ours.
 */
import { parse } from 'yaml';

export interface TfResource {
  readonly [key: string]: unknown;
}
export interface TfJson {
  readonly terraform?: { readonly backend?: Record<string, Record<string, unknown>>; readonly required_providers?: Record<string, { version?: string }> };
  readonly resource?: Record<string, Record<string, TfResource>>;
}

export interface StackDoc {
  readonly name: string;
  readonly json: TfJson;
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
export const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((cur, k) => (isObj(cur) ? cur[k] : undefined), o);

/**
 * GPU resource names as the NVIDIA device plugin registers them (v0.20.0 internal/rm/rm.go): `nvidia.com/gpu`, and
 * `nvidia.com/mig-<profile>` under the mixed MIG strategy. Written here, not imported: the policy shares no code with
 * what it checks (catalog/gpus.ts `gpuResourceName` names them for the servers; a test ties the two).
 */
export const isGpuResource = (name: string): boolean => name === 'nvidia.com/gpu' || name.startsWith('nvidia.com/mig-');
/** GPUs (or MIG slices) a container's limits hold. */
const gpuLimit = (c: Obj): number => Object.entries((get(c, 'resources', 'limits') ?? {}) as Obj).reduce((n, [k, v]) => n + (isGpuResource(k) ? Number(v) : 0), 0);

/** Every resource of the stack with its address. */
export function resources(stack: StackDoc): Array<{ type: string; address: string; body: Obj }> {
  const out: Array<{ type: string; address: string; body: Obj }> = [];
  for (const [type, byId] of Object.entries(stack.json.resource ?? {})) {
    for (const [id, body] of Object.entries(byId)) out.push({ type, address: `${type}.${id}`, body: body as Obj });
  }
  return out;
}

/** A namespace field as a name: a literal, or a reference to a namespace resource of the same stack resolved. */
export function namespaceName(stack: StackDoc, value: unknown): string {
  const ref = /^\$\{kubernetes_namespace_v1\.([A-Za-z0-9_-]+)\.metadata\[0\]\.name\}$/.exec(String(value));
  const ns = ref ? stack.json.resource?.kubernetes_namespace_v1?.[ref[1]!] : undefined;
  return ns ? String(get(ns, 'metadata', 'name')) : String(value);
}

/** Workloads with their pod spec, by resource type. */
export const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  kubernetes_stateful_set_v1: ['spec', 'template', 'spec'],
  kubernetes_deployment_v1: ['spec', 'template', 'spec'],
  kubernetes_daemon_set_v1: ['spec', 'template', 'spec'],
  kubernetes_job_v1: ['spec', 'template', 'spec'],
  kubernetes_cron_job_v1: ['spec', 'job_template', 'spec', 'template', 'spec'],
};

export interface Workload {
  readonly address: string;
  readonly type: string;
  readonly body: Obj;
  readonly pod: Obj;
  readonly containers: Obj[];
  readonly namespace: unknown;
  readonly replicas: number;
  readonly gpus: number;
  readonly labels: Record<string, string>;
}

/** Kubernetes API field names (camelCase) as the provider writes them (snake_case), for raw manifests. */
function snakeKeys(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => snakeKeys(x));
  if (!isObj(v)) return v;
  // label, annotation and resource maps keep their keys
  if (['labels', 'annotations', 'match_labels', 'node_selector', 'requests', 'limits'].includes(key)) return v;
  const plural: Record<string, string> = { containers: 'container', initContainers: 'init_container', volumes: 'volume', volumeMounts: 'volume_mount', ports: 'port', tolerations: 'toleration' };
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => {
      // hostIPC -> host_ipc, containerPort -> container_port
      const snake = plural[k] ?? k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
      return [snake, snakeKeys(x, snake)];
    }),
  );
}

/** The pod templates of raw manifests (LeaderWorkerSet leader and worker), in the provider's shape. */
function manifestWorkloads(r: { type: string; address: string; body: Obj }): Workload[] {
  if (r.type !== 'kubernetes_manifest') return [];
  const m = r.body.manifest;
  if (!isObj(m) || m.kind !== 'LeaderWorkerSet') return [];
  const lwt = get(m, 'spec', 'leaderWorkerTemplate');
  return (['leaderTemplate', 'workerTemplate'] as const).flatMap((role) => {
    const template = get(lwt, role);
    if (!isObj(template)) return [];
    const pod = snakeKeys(template.spec) as Obj;
    const containers = arr(pod.container).filter(isObj);
    return [
      {
        address: `${r.address} (${role})`,
        type: 'kubernetes_manifest',
        body: r.body,
        pod,
        containers,
        namespace: get(m, 'metadata', 'namespace'),
        replicas: Number(get(m, 'spec', 'replicas') ?? 1),
        gpus: Math.max(0, ...containers.map(gpuLimit)),
        // LWS labels every pod of a group with its name: what the group's PodDisruptionBudget selects
        labels: { ...((get(template, 'metadata', 'labels') ?? {}) as Record<string, string>), 'leaderworkerset.sigs.k8s.io/name': String(get(m, 'metadata', 'name')) },
      },
    ];
  });
}

export function workloads(stack: StackDoc): Workload[] {
  return resources(stack).flatMap((r) => {
    if (r.type === 'kubernetes_manifest') return manifestWorkloads(r);
    const path = POD_SPEC_PATH[r.type];
    if (!path) return [];
    const pod = get(r.body, ...path);
    if (!isObj(pod)) return [];
    const containers = [...arr(pod.container), ...arr(pod.init_container)].filter(isObj);
    const gpus = Math.max(0, ...containers.map(gpuLimit));
    return [
      {
        address: r.address,
        type: r.type,
        body: r.body,
        pod,
        containers,
        namespace: get(r.body, 'metadata', 'namespace'),
        replicas: Number(get(r.body, 'spec', 'replicas') ?? 1),
        gpus,
        labels: (get(r.body, 'spec', 'template', 'metadata', 'labels') ?? get(r.body, 'metadata', 'labels') ?? {}) as Record<string, string>,
      },
    ];
  });
}

export interface HelmRelease {
  readonly address: string;
  readonly body: Obj;
  readonly chart: string;
  readonly values: Obj;
}

/**
 * Parsed values documents by their text: every rule reads the releases' values, and parsing the YAML once per
 * document instead of once per rule saves most of the policy check's time. Keyed by the text itself, so a changed
 * document is parsed again; rules only read what they get. Bounded: cleared past a few thousand documents.
 */
const parsedValues = new Map<string, Obj>();
function parseValues(text: string): Obj {
  let v = parsedValues.get(text);
  if (v === undefined) {
    if (parsedValues.size >= 4096) parsedValues.clear();
    v = parse(text) as Obj;
    parsedValues.set(text, v);
  }
  return v;
}

export function helmReleases(stack: StackDoc): HelmRelease[] {
  return resources(stack)
    .filter((r) => r.type === 'helm_release')
    .map((r) => ({
      address: r.address,
      body: r.body,
      chart: String(r.body.chart),
      values: Object.assign({}, ...arr(r.body.values).map((v) => (typeof v === 'string' ? parseValues(v) : {}))) as Obj,
    }));
}
