/**
 * Every pod an environment runs where we decide the security context, in one shape:
 * - typed workloads in cdk.tf.json (StatefulSet, Deployment, Job, CronJob, DaemonSet: snake_case keys, single
 *   blocks as objects or one-item lists);
 * - LeaderWorkerSet leader and worker templates in kubernetes_manifest (the object's camelCase keys);
 * - pods charts render from our values: litellm-helm's proxy Deployment and its migration Job, qdrant's StatefulSet.
 *   Helm merges our values over the chart's values.yaml, so the chart defaults are merged in here too.
 * The namespace's Pod Security level is the `pod-security.kubernetes.io/enforce` label of the namespace we create.
 */
import { CHARTS } from '../../charts/pins';
import { chartFacts } from './upstream';
import { helmReleases, releaseValues, resourcesOf, type HelmReleaseJson, type TfJson } from './synth';
import type { ImageFacts } from '../../catalog/image-facts';

export interface SecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
}

export interface PodContainer {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly securityContext: SecurityContext;
  readonly mountPaths: readonly string[];
  readonly ports: readonly number[];
  readonly init: boolean;
}

export interface Pod {
  /** `<stack>: <kind> <name>` or `<stack>: chart <release> <what>`. */
  readonly label: string;
  readonly namespace: string;
  /** The enforce label of that namespace, or undefined when we do not create it. */
  readonly level?: string;
  readonly podSecurityContext: SecurityContext;
  readonly containers: readonly PodContainer[];
  /** Chart pods whose command wraps the image's own program (qdrant's `bash -c ./config/initialize.sh`). */
  readonly runsImageProgram?: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A single nested block: cdk.tf.json writes it as an object; Terraform's own JSON as a one-item list. */
const one = (v: unknown): Json => (Array.isArray(v) ? (v[0] as Json) : isObject(v) ? v : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : v === undefined ? [] : [v as Json]);
const num = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));
const coalesce = (base: unknown, over: unknown): unknown =>
  isObject(base) && isObject(over) ? Object.fromEntries([...new Set([...Object.keys(base), ...Object.keys(over)])].map((k) => [k, k in over ? coalesce(base[k], over[k]) : base[k]])) : over === undefined || over === null ? base : over;

/** A security context from either spelling (snake_case typed resources, camelCase manifests and Helm values). */
function securityContext(sc: unknown): SecurityContext {
  const s = one(sc);
  const pick = (camel: string, snake: string) => (camel in s ? s[camel] : s[snake]);
  const caps = one(pick('capabilities', 'capabilities'));
  const seccomp = one(pick('seccompProfile', 'seccomp_profile'));
  return {
    runAsNonRoot: pick('runAsNonRoot', 'run_as_non_root') as boolean | undefined,
    runAsUser: num(pick('runAsUser', 'run_as_user')),
    runAsGroup: num(pick('runAsGroup', 'run_as_group')),
    readOnlyRootFilesystem: pick('readOnlyRootFilesystem', 'read_only_root_filesystem') as boolean | undefined,
    allowPrivilegeEscalation: pick('allowPrivilegeEscalation', 'allow_privilege_escalation') as boolean | undefined,
    privileged: pick('privileged', 'privileged') as boolean | undefined,
    capabilities: Object.keys(caps).length ? { add: (caps.add as string[] | undefined) ?? [], drop: (caps.drop as string[] | undefined) ?? [] } : undefined,
    seccompProfile: Object.keys(seccomp).length ? { type: seccomp.type as string } : undefined,
  };
}

function container(c: Json, init: boolean): PodContainer {
  const env = Object.fromEntries(list(c.env).map((e) => [e.name as string, e.value as string | undefined]));
  return {
    name: c.name as string,
    image: c.image as string,
    command: c.command as string[] | undefined,
    args: (c.args as string[] | undefined) ?? [],
    env,
    securityContext: securityContext(c.security_context ?? c.securityContext),
    mountPaths: list(c.volume_mount ?? c.volumeMounts).map((m) => (m.mount_path ?? m.mountPath) as string),
    ports: list(c.port ?? c.ports).map((p) => Number(p.container_port ?? p.containerPort)),
    init,
  };
}

/** A pod spec from either spelling. */
function podSpec(spec: Json): Pick<Pod, 'podSecurityContext' | 'containers'> {
  return {
    podSecurityContext: securityContext(spec.security_context ?? spec.securityContext),
    containers: [...list(spec.init_container ?? spec.initContainers).map((c) => container(c, true)), ...list(spec.container ?? spec.containers).map((c) => container(c, false))],
  };
}

/** Namespace name -> enforce level, over every stack of an environment. */
function namespaceLevels(stacks: Record<string, TfJson>): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const tf of Object.values(stacks)) {
    for (const ns of resourcesOf(tf, 'kubernetes_namespace_v1')) {
      const m = one(ns.metadata);
      out.set(m.name as string, (m.labels as Record<string, string> | undefined)?.['pod-security.kubernetes.io/enforce']);
    }
  }
  return out;
}

/** A namespace field: a literal, or `${kubernetes_namespace_v1.<id>.metadata[0].name}` of the same stack. */
function namespaceName(tf: TfJson, value: unknown): string {
  const s = String(value ?? 'default');
  const ref = /^\$\{kubernetes_namespace_v1\.([^.]+)\.metadata\[0\]\.name\}$/.exec(s);
  if (!ref) return s;
  const ns = tf.resource.kubernetes_namespace_v1?.[ref[1]!];
  if (!ns) throw new Error(`namespace reference ${s} does not resolve in its stack`);
  return one(ns.metadata).name as string;
}

const WORKLOADS: Readonly<Record<string, (spec: Json) => Json>> = {
  kubernetes_stateful_set_v1: (s) => one(one(s.template).spec),
  kubernetes_deployment_v1: (s) => one(one(s.template).spec),
  kubernetes_daemon_set_v1: (s) => one(one(s.template).spec),
  kubernetes_daemonset_v1: (s) => one(one(s.template).spec),
  kubernetes_job_v1: (s) => one(one(s.template).spec),
  kubernetes_cron_job_v1: (s) => one(one(one(one(s.job_template).spec).template).spec),
};

const chartDefaults = (chart: string): Json => {
  const pin = Object.values(CHARTS).find((c) => c.chart === chart)!;
  return structuredClone(chartFacts(pin.upstreamData).values) as Json;
};

/**
 * The pods litellm-helm renders from our values. Its templates are not saved (shared/upstream README); the
 * migration Job's shape was read from BerriAI/litellm deploy/charts/litellm-helm/templates/migrations-job.yaml
 * (3dd55a7b619892f6c006792f3ec8d67af02490fa): no pod securityContext, the container gets `.Values.securityContext`,
 * command `python litellm/proxy/prisma_migration.py`, `.Values.volumeMounts`/`.Values.volumes`. The proxy
 * Deployment takes `.Values.podSecurityContext` at pod level and `.Values.securityContext` at container level.
 */
function litellmPods(r: HelmReleaseJson): Array<Omit<Pod, 'label' | 'namespace' | 'level'> & { what: string }> {
  const v = coalesce(chartDefaults('litellm-helm'), releaseValues(r)) as Json;
  const image = one(v.image);
  const ref = `${image.repository as string}:${image.tag as string}`;
  const env = Object.fromEntries([...list(v.extraEnvVars).map((e) => [e.name as string, e.value as string | undefined]), ...Object.entries(one(v.envVars)).map(([k, x]) => [k, String(x)])]);
  const mountPaths = list(v.volumeMounts).map((m) => m.mountPath as string);
  const proxy: PodContainer = { name: 'litellm', image: ref, args: [], env, securityContext: securityContext(v.securityContext), mountPaths, ports: [Number(one(v.service).port ?? 4000)], init: false };
  const pods: Array<Omit<Pod, 'label' | 'namespace' | 'level'> & { what: string }> = [{ what: 'proxy Deployment', podSecurityContext: securityContext(v.podSecurityContext), containers: [proxy] }];
  if (one(v.migrationJob).enabled !== false) {
    pods.push({
      what: 'migration Job',
      podSecurityContext: {},
      containers: [{ ...proxy, name: 'prisma-migrations', command: ['python', 'litellm/proxy/prisma_migration.py'], ports: [] }],
    });
  }
  return pods;
}

/** qdrant's StatefulSet (shared/upstream/charts/qdrant/1.19.0/templates/statefulset.yaml). */
function qdrantPods(r: HelmReleaseJson): Array<Omit<Pod, 'label' | 'namespace' | 'level'> & { what: string }> {
  const v = coalesce(chartDefaults('qdrant'), releaseValues(r)) as Json;
  const image = one(v.image);
  const ref = `${image.repository as string}:${(image.tag as string) || 'v1.19.0'}${image.useUnprivilegedImage ? '-unprivileged' : ''}`;
  const mountPaths = ['/qdrant/storage', '/qdrant/config/initialize.sh', '/qdrant/config/production.yaml', '/qdrant/snapshots', '/qdrant/init', ...list(v.additionalVolumeMounts).map((m) => m.mountPath as string)];
  const env = { QDRANT_INIT_FILE_PATH: '/qdrant/init/.qdrant-initialized', ...Object.fromEntries(list(v.env).map((e) => [e.name as string, e.value as string | undefined])) };
  const c: PodContainer = { name: 'qdrant', image: ref, command: ['/bin/bash', '-c'], args: ['./config/initialize.sh'], env, securityContext: securityContext(v.containerSecurityContext), mountPaths, ports: [6333, 6334, 6335], init: false };
  return [{ what: 'StatefulSet', podSecurityContext: securityContext(v.podSecurityContext), containers: [c], runsImageProgram: true }];
}

/**
 * fluent-bit's DaemonSet (shared/upstream/charts/fluent-bit/0.58.1/templates/_pod.tpl): `.Values.podSecurityContext`
 * at pod level, `.Values.securityContext`, image (tag defaults to the appVersion), command, args, env and the
 * `volumeMounts` plus `daemonSetVolumeMounts` on the one container (hotReload's sidecar only when enabled).
 */
function fluentBitPods(r: HelmReleaseJson): Array<Omit<Pod, 'label' | 'namespace' | 'level'> & { what: string }> {
  const v = coalesce(chartDefaults('fluent-bit'), releaseValues(r)) as Json;
  const image = one(v.image);
  const ref = `${image.repository as string}:${(image.tag as string) || '5.1.1'}`;
  const env = Object.fromEntries(list(v.env).map((e) => [e.name as string, e.value as string | undefined]));
  const mountPaths = [...list(v.volumeMounts), ...list(v.daemonSetVolumeMounts)].map((m) => m.mountPath as string);
  if (one(v.hotReload).enabled) throw new Error('fluent-bit hotReload sidecar: add its container here');
  const c: PodContainer = { name: 'fluent-bit', image: ref, command: v.command as string[], args: (v.args as string[]) ?? [], env, securityContext: securityContext(v.securityContext), mountPaths, ports: [Number(v.metricsPort ?? 2020)], init: false };
  return [{ what: 'DaemonSet', podSecurityContext: securityContext(v.podSecurityContext), containers: [c] }];
}

const CHART_PODS: Readonly<Record<string, (r: HelmReleaseJson) => Array<Omit<Pod, 'label' | 'namespace' | 'level'> & { what: string }>>> = {
  'litellm-helm': litellmPods,
  qdrant: qdrantPods,
  'fluent-bit': fluentBitPods,
};

/** Every pod of an environment's stacks (see the file comment). */
export function podsOf(stacks: Record<string, TfJson>): Pod[] {
  const levels = namespaceLevels(stacks);
  const out: Pod[] = [];
  for (const [stack, tf] of Object.entries(stacks)) {
    const at = (namespace: string) => ({ namespace, level: levels.get(namespace) });
    for (const [type, template] of Object.entries(WORKLOADS)) {
      for (const r of resourcesOf(tf, type)) {
        const meta = one(r.metadata);
        out.push({ label: `${stack}: ${type} ${meta.name as string}`, ...at(namespaceName(tf, meta.namespace)), ...podSpec(template(one(r.spec))) });
      }
    }
    for (const r of resourcesOf(tf, 'kubernetes_manifest')) {
      const m = r.manifest as Json;
      if (m.kind !== 'LeaderWorkerSet') continue;
      const meta = one(m.metadata);
      const lwt = one(one(m.spec).leaderWorkerTemplate);
      for (const role of ['leaderTemplate', 'workerTemplate'] as const) {
        if (lwt[role]) out.push({ label: `${stack}: LeaderWorkerSet ${meta.name as string} ${role}`, ...at(namespaceName(tf, meta.namespace)), ...podSpec(one(one(lwt[role]).spec)) });
      }
    }
    for (const r of helmReleases(tf)) {
      for (const p of CHART_PODS[r.chart]?.(r) ?? []) {
        const { what, ...pod } = p;
        out.push({ label: `${stack}: chart ${r.chart} ${r.name} ${what}`, ...at(namespaceName(tf, r.namespace)), ...pod });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Can the pod run its image under its namespace's level? (catalog/image-facts.ts; shared/upstream/images.json
// `_meta.kubeletRule` and `_meta.restrictedProfile`)
// ---------------------------------------------------------------------------------------------------------------

const basename = (p: string): string => p.split('/').at(-1)!;
const under = (path: string, mount: string): boolean => path === mount || path.startsWith(mount.endsWith('/') ? mount : `${mount}/`);

/** The value of `--flag value` or `--flag=value` in args. */
const flagValue = (args: readonly string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
};

/** Whether a container runs the image's own program (not a script or tool of the same image). */
export function runsImageProgram(pod: Pod, c: PodContainer, facts: ImageFacts): boolean {
  if (pod.runsImageProgram) return true;
  if (!c.command?.length) return true;
  return facts.programs.some((p) => p === c.command![0] || basename(p) === basename(c.command![0]!));
}

/**
 * Why a container of a pod cannot run its image in its namespace, one line per problem ([] when it can).
 * `facts` undefined: the image is unknown (add its facts to catalog/image-facts.ts).
 */
export function compatibilityProblems(pod: Pod, c: PodContainer, facts: ImageFacts | undefined): string[] {
  if (!facts) return [`${c.image}: no image facts; add them to catalog/image-facts.ts from shared/upstream/images.json`];
  const out: string[] = [];
  const psc = pod.podSecurityContext;
  const sc = c.securityContext;
  const runAsNonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const uid = runAsUser ?? facts.user.value.uid;
  const restricted = pod.level === 'restricted';
  if (pod.level === undefined) out.push(`namespace ${pod.namespace} is not one we create with a pod-security.kubernetes.io/enforce label`);

  if (facts.scope === 'userOnly' && pod.level !== 'privileged') out.push(`${c.image} is a privileged GPU Operator operand: only in a privileged namespace, not ${pod.level}`);

  // kubelet: runAsNonRoot without runAsUser needs a numeric, non-zero image USER
  if (runAsNonRoot && runAsUser === undefined) {
    const u = facts.user.value;
    if (!u.numeric) out.push(`runAsNonRoot with no runAsUser${Object.values(psc).every((x) => x === undefined) ? ' (the pod has no securityContext)' : ''}: image USER "${u.asWritten}" is not numeric, the kubelet refuses to start it; set runAsUser${facts.nonRoot.value.runAsUser ? `: ${facts.nonRoot.value.runAsUser}` : ''} on the container`);
    else if (u.uid === 0) out.push(`runAsNonRoot with no runAsUser: image USER is ${u.asWritten} (root), the kubelet refuses to start it`);
  }
  if (runAsNonRoot && runAsUser === 0) out.push('runAsNonRoot with runAsUser: 0');

  // an image that cannot run as non-root at all
  if (!facts.nonRoot.value.runs && facts.scope === 'full') {
    if (restricted) out.push(`${c.image} cannot run as non-root (${facts.nonRoot.value.why}): it cannot be in the restricted namespace ${pod.namespace}`);
    else if (uid !== 0) out.push(`${c.image} cannot run as non-root (${facts.nonRoot.value.why}), but runs as UID ${uid}`);
  }

  // file capabilities: execve fails (EPERM) when the capability is not in the bounding set
  const drop = sc.capabilities?.drop ?? [];
  const add = sc.capabilities?.add ?? [];
  for (const fc of facts.fileCapabilities.value) {
    const dropped = drop.includes('ALL') || drop.includes(fc.capability);
    if (dropped && !add.includes(fc.capability)) out.push(`${fc.path} has file capability ${fc.capability}: with capabilities.drop [${drop.join(', ')}] and no add of ${fc.capability}, exec fails (EPERM); add ${fc.capability}`);
  }

  // Pod Security "restricted"
  if (restricted) {
    if (runAsNonRoot !== true) out.push('restricted: runAsNonRoot must be true (pod or container)');
    if (sc.allowPrivilegeEscalation !== false) out.push('restricted: allowPrivilegeEscalation must be false');
    if (sc.privileged) out.push('restricted: privileged');
    if (!drop.includes('ALL')) out.push('restricted: capabilities.drop must include ALL');
    const extra = add.filter((x) => x !== 'NET_BIND_SERVICE');
    if (extra.length) out.push(`restricted: only NET_BIND_SERVICE may be added, not ${extra.join(', ')}`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`restricted: seccompProfile must be RuntimeDefault or Localhost (is ${seccomp ?? 'unset'})`);
  }

  const program = runsImageProgram(pod, c, facts);
  // ports below 1024 need NET_BIND_SERVICE for a non-root UID
  if (uid !== 0 && !add.includes('NET_BIND_SERVICE')) {
    const declared = c.ports.filter((p) => p < 1024);
    const defaults = program && facts.portOverride && c.env[facts.portOverride.env] === undefined && flagValue(c.args, facts.portOverride.flag) === undefined ? facts.portsBelow1024.value : [];
    for (const p of [...new Set([...declared, ...defaults])]) out.push(`listens on port ${p} as UID ${uid} without NET_BIND_SERVICE`);
  }

  // readOnlyRootFilesystem: every path the image's program always writes is on a volume
  if (sc.readOnlyRootFilesystem && program) {
    for (const w of facts.writablePaths.value.filter((x) => x.needed === 'always')) {
      let path = w.path;
      for (const r of w.relocatedBy ?? []) {
        const v = r.flag ? flagValue(c.args, r.flag) : r.env ? c.env[r.env] : undefined;
        if (v) {
          path = `${v}${r.suffix ?? ''}`;
          break;
        }
      }
      if (path.startsWith('$HOME')) {
        const home = c.env.HOME ?? facts.home?.value;
        if (!home) {
          out.push(`readOnlyRootFilesystem: ${w.path} is under HOME, which neither the container nor the image sets`);
          continue;
        }
        path = path.replace('$HOME', home);
      }
      if (!c.mountPaths.some((m) => under(path, m))) out.push(`readOnlyRootFilesystem: ${path} (${w.path}) must be writable but no volume is mounted there`);
    }
  }
  return out;
}
