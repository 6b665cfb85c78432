/**
 * A model of the first apply of an environment on a fresh cluster: the stacks are applied one by one in the
 * dependency order cdktf uses, and every read of a namespace, a Secret, a CRD or GPU resources is checked against
 * what exists at that moment.
 *
 * - A namespace exists once the resource that creates it is applied (same stack: the reader must depend on it).
 * - A Secret that nothing in the output provides is user-made: the user creates it (per `inference-stack secrets`)
 *   between two stack applies, so it exists from the stack after the one that created its namespace.
 * - A Secret an operator writes (CloudNativePG's `<cluster>-app`, cert-manager's Certificate secretName) exists
 *   once the resource that tells the operator to create it is applied; a same-stack reader must depend on it.
 * - A CRD exists once the helm_release of the chart that installs it is applied (the kinds each chart installs
 *   come from ../shared/upstream/charts/<chart>/<version>/_source.json `crds`, in facts/upstream as `installsCrds`). A kubernetes_manifest needs its
 *   CRD at plan time: it must come from an earlier stack.
 * - GPU resources (nvidia.com/gpu, nvidia.com/mig-*) are available once the `<env>-gpu-pools` stack is applied.
 */
import { parse } from 'yaml';
import { CHARTS } from '../../charts/pins';
import { POD_SPEC_PATH } from '../../lib/tf-json';
import { chartFacts } from './upstream';

export interface AppliedStack {
  readonly name: string;
  /** Names of the stacks it depends on. */
  readonly dependencies: string[];
  readonly json: { resource?: Record<string, Record<string, Record<string, unknown>>> };
}

export interface Read {
  readonly stack: string;
  readonly address: string;
  readonly what: string;
}

export interface Violation extends Read {
  readonly problem: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((cur, k) => (isObj(cur) ? cur[k] : Array.isArray(cur) && isObj(cur[0]) ? cur[0][k] : undefined), o);

/** `group/Kind` of every CRD each chart we pin installs, by chart name, from the upstream `_source.json`. */
export function crdsByChart(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const ref of Object.values(CHARTS)) {
    out.set(ref.chart, new Set(chartFacts(ref.upstreamData).installsCrds));
  }
  return out;
}

/** The stacks in the order cdktf applies them: dependencies first, otherwise in declaration order. */
export function applyOrder(stacks: readonly AppliedStack[]): AppliedStack[] {
  const done = new Set<string>();
  const out: AppliedStack[] = [];
  while (out.length < stacks.length) {
    const next = stacks.find((s) => !done.has(s.name) && s.dependencies.every((d) => done.has(d)));
    if (!next) throw new Error(`stack dependencies form a cycle among ${stacks.filter((s) => !done.has(s.name)).map((s) => s.name).join(', ')}`);
    done.add(next.name);
    out.push(next);
  }
  return out;
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const REF = /\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)[.}[]/g;

/** Resources of a stack with their addresses. */
function resourcesOf(stack: AppliedStack): Array<{ address: string; type: string; body: Obj }> {
  return Object.entries(stack.json.resource ?? {}).flatMap(([type, byId]) => Object.entries(byId).map(([id, body]) => ({ address: `${type}.${id}`, type, body: body as Obj })));
}

/** Addresses a resource depends on (depends_on and ${...} references), transitively, within its stack. */
function dependencyClosure(resources: Map<string, Obj>): Map<string, Set<string>> {
  const direct = new Map<string, Set<string>>();
  for (const [address, body] of resources) {
    const deps = new Set<string>(arr(body.depends_on).map(String));
    for (const m of JSON.stringify({ ...body, depends_on: undefined }).matchAll(REF)) deps.add(m[1]!);
    direct.set(address, deps);
  }
  const closure = new Map<string, Set<string>>();
  const visit = (a: string, seen: Set<string>) => {
    for (const d of direct.get(a) ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      visit(d, seen);
    }
  };
  for (const a of direct.keys()) {
    const seen = new Set<string>();
    visit(a, seen);
    closure.set(a, seen);
  }
  return closure;
}

/** Pod specs of a resource (provider-shaped or manifest-shaped). */
function podSpecs(type: string, body: Obj): Obj[] {
  const paths = POD_SPEC_PATH;
  if (paths[type]) return arr(get(body, ...paths[type]!)).filter(isObj);
  if (type === 'kubernetes_manifest') {
    // LeaderWorkerSet: leader and worker templates
    const lws = get(body, 'manifest', 'spec', 'leaderWorkerTemplate');
    return [get(lws, 'leaderTemplate', 'spec'), get(lws, 'workerTemplate', 'spec'), get(body, 'manifest', 'spec', 'template', 'spec')].filter(isObj);
  }
  return [];
}

/** Every Secret name a value refers to: secretKeyRef, secret volumes, existingSecret-style keys, credentials. */
export function secretNamesIn(v: unknown, key = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => secretNamesIn(x, key));
  if (!isObj(v)) {
    // existingSecret, and the Langfuse subcharts' usersExistingSecret (valkey) and existingConfigSecret (seaweedfs)
    if (typeof v === 'string' && (/^(users)?existing(Config)?Secret$/i.test(key) || /secret_?name$/i.test(key))) return [v];
    return [];
  }
  const out: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (['secretKeyRef', 'secret_key_ref', 'secretRef', 'secret_ref', 'credentials', 'bearerTokenSecret', 'bearer_token_secret'].includes(k)) {
      for (const ref of arr(x)) if (isObj(ref) && typeof ref.name === 'string') out.push(ref.name);
    } else if (k === 'alertmanagerSpec' && isObj(x)) {
      // Alertmanager CRD `secrets`: Secrets of its namespace mounted whole (the receivers' `*_file` credentials)
      for (const name of arr(x.secrets)) if (typeof name === 'string') out.push(name);
      out.push(...secretNamesIn(x, k));
    } else if (k === 'secret' && isObj(x) && typeof x.name === 'string' && x.create !== true) {
      out.push(x.name);
    } else out.push(...secretNamesIn(x, k));
  }
  return out;
}

/** A helm_release's values, merged. */
function helmValues(body: Obj): Obj {
  return Object.assign({}, ...arr(body.values).map((v) => parse(String(v)) as Obj));
}

/** Kinds a chart renders (not CRDs it installs) that need a CRD, given its values: what our values turn on. */
function renderedKinds(chart: string, values: Obj): string[] {
  switch (chart) {
    case 'cluster': // templates/cluster.yaml, templates/scheduled-backups.yaml
      return ['postgresql.cnpg.io/Cluster', ...(get(values, 'backups', 'enabled') === true && arr(get(values, 'backups', 'scheduledBackups')).length > 0 ? ['postgresql.cnpg.io/ScheduledBackup'] : [])];
    case 'gpu-operator': // the operator creates the DCGM ServiceMonitor from its ClusterPolicy
      return get(values, 'dcgmExporter', 'serviceMonitor', 'enabled') === true ? ['monitoring.coreos.com/ServiceMonitor'] : [];
    case 'qdrant':
      return get(values, 'metrics', 'serviceMonitor', 'enabled') === true ? ['monitoring.coreos.com/ServiceMonitor'] : [];
    default:
      return [];
  }
}

/** The namespace of a resource: a literal, or resolved from a reference to a namespace of the same stack. */
function namespaceOf(body: Obj, type: string, namespaces: Map<string, string>): string | undefined {
  const raw = type === 'helm_release' ? body.namespace : type === 'kubernetes_manifest' ? get(body, 'manifest', 'metadata', 'namespace') : get(body, 'metadata', 'namespace');
  if (typeof raw !== 'string') return undefined;
  const ref = /^\$\{(kubernetes_namespace_v1\.[A-Za-z0-9_-]+)\.metadata\[0\]\.name\}$/.exec(raw);
  return ref ? namespaces.get(ref[1]!) : raw;
}

const GPU_RESOURCE = /^nvidia\.com\/(gpu|mig-.+)$/;

/**
 * Applies the stacks in order on a fresh cluster and returns every read that happens before what it reads exists.
 * `reads` (optional) collects every read checked, so a test can see that the model looked at something.
 */
export function firstApplyViolations(stacks: readonly AppliedStack[], reads: Read[] = []): Violation[] {
  const order = applyOrder(stacks);
  const crds = crdsByChart();
  type Provider = { stage: number; address: string; stack: string; userMade?: boolean };
  const providers = new Map<string, Provider>();
  const violations: Violation[] = [];

  // Pass 1: what each stack provides, and when.
  const perStack = order.map((stack, stage) => {
    const resources = resourcesOf(stack);
    const namespaces = new Map<string, string>();
    for (const r of resources.filter((x) => x.type === 'kubernetes_namespace_v1')) {
      const name = String(get(r.body, 'metadata', 'name'));
      namespaces.set(r.address, name);
      if (!providers.has(`namespace ${name}`)) providers.set(`namespace ${name}`, { stage, address: r.address, stack: stack.name });
    }
    for (const r of resources) {
      const ns = namespaceOf(r.body, r.type, namespaces);
      if (r.type === 'helm_release') {
        const chart = String(r.body.chart);
        for (const kind of crds.get(chart) ?? []) if (!providers.has(`CRD ${kind}`)) providers.set(`CRD ${kind}`, { stage, address: r.address, stack: stack.name });
        // CloudNativePG writes the application user's credentials into <cluster>-app once told to create the Cluster.
        if (chart === 'cluster') providers.set(`Secret ${ns}/${String(helmValues(r.body).fullnameOverride)}-app`, { stage, address: r.address, stack: stack.name });
      }
      if (r.type === 'kubernetes_manifest' && get(r.body, 'manifest', 'kind') === 'Certificate') {
        providers.set(`Secret ${ns}/${String(get(r.body, 'manifest', 'spec', 'secretName'))}`, { stage, address: r.address, stack: stack.name });
      }
    }
    if (stack.name.endsWith('-gpu-pools')) providers.set('GPU resources', { stage, address: '(the whole stack)', stack: stack.name });
    return { stack, stage, resources, namespaces };
  });

  // Pass 2: every read.
  for (const { stack, stage, resources, namespaces } of perStack) {
    const closure = dependencyClosure(new Map(resources.map((r) => [r.address, r.body])));
    const check = (address: string, what: string, key: string, opts: { planTime?: boolean; userSecretNamespace?: string } = {}): void => {
      reads.push({ stack: stack.name, address, what });
      const fail = (problem: string): void => void violations.push({ stack: stack.name, address, what, problem });
      if (opts.userSecretNamespace !== undefined && !providers.has(key)) {
        // user-made: created between stacks, once its namespace exists
        const ns = providers.get(`namespace ${opts.userSecretNamespace}`);
        if (!ns) return fail(`no stack creates namespace "${opts.userSecretNamespace}", so the user cannot create the Secret`);
        if (ns.stage >= stage) return fail(`the user can create it only after ${ns.stack} has created namespace "${opts.userSecretNamespace}", which is ${ns.stage === stage ? 'this same stack' : 'a later stack'}`);
        return;
      }
      const p = providers.get(key);
      if (!p) return fail('nothing provides it');
      if (p.stage > stage) return fail(`provided later, by ${p.address} in ${p.stack}`);
      if (p.stage === stage) {
        if (key === 'GPU resources') return fail(`GPU resources are available only after ${p.stack} is applied`);
        if (opts.planTime) return fail(`a kubernetes_manifest needs its CRD at plan time, but ${p.address} installs it in the same stack`);
        if (p.address !== address && !closure.get(address)?.has(p.address)) fail(`provided by ${p.address} in the same stack, without a dependency on it`);
      }
    };

    for (const r of resources) {
      const ns = namespaceOf(r.body, r.type, namespaces);
      if (r.type !== 'kubernetes_namespace_v1' && ns !== undefined) check(r.address, `namespace ${ns}`, `namespace ${ns}`);
      if (r.type === 'kubernetes_manifest') {
        const m = get(r.body, 'manifest') as Obj;
        const kind = `${groupOf(String(m.apiVersion))}/${String(m.kind)}`;
        if (groupOf(String(m.apiVersion)) !== '') check(r.address, `CRD ${kind}`, `CRD ${kind}`, { planTime: true });
      }
      if (r.type === 'helm_release') {
        const values = helmValues(r.body);
        const own = crds.get(String(r.body.chart)) ?? new Set<string>();
        for (const kind of renderedKinds(String(r.body.chart), values)) if (!own.has(kind)) check(r.address, `CRD ${kind}`, `CRD ${kind}`);
        for (const name of new Set(secretNamesIn(values))) check(r.address, `Secret ${ns}/${name}`, `Secret ${ns}/${name}`, { userSecretNamespace: ns });
      } else if (r.type !== 'kubernetes_namespace_v1' && get(r.body, 'manifest', 'kind') !== 'Certificate') {
        // (a Certificate names the Secret cert-manager writes: it provides it, it does not read it)
        const body = r.type === 'kubernetes_manifest' ? get(r.body, 'manifest') : r.body;
        for (const name of new Set(secretNamesIn(body))) check(r.address, `Secret ${ns}/${name}`, `Secret ${ns}/${name}`, { userSecretNamespace: ns });
      }
      for (const pod of podSpecs(r.type, r.body)) {
        const containers = [...arr(pod.container), ...arr(pod.containers), ...arr(pod.init_container), ...arr(pod.initContainers)].filter(isObj);
        const gpu = containers.some((c) => [get(c, 'resources', 'limits'), get(c, 'resources', 'requests')].some((l) => isObj(l) && Object.keys(l).some((k) => GPU_RESOURCE.test(k))));
        if (gpu) check(r.address, 'GPU resources', 'GPU resources');
      }
    }
  }
  return violations;
}

/** `{ name, key }` pairs a value names (secretKeyRef, credentials): the keys of Secrets it reads. */
function secretKeysIn(v: unknown): Array<{ name: string; key: string }> {
  if (Array.isArray(v)) return v.flatMap(secretKeysIn);
  if (!isObj(v)) return [];
  const here = typeof v.name === 'string' && typeof v.key === 'string' ? [{ name: v.name, key: v.key }] : [];
  return [...here, ...Object.values(v).flatMap(secretKeysIn)];
}

/**
 * Every Secret the stacks' resources name, by `namespace/name`, with the keys named next to it where the output
 * says (secretKeyRef-style pairs); the Secrets a Certificate makes are not reads.
 */
export function secretReads(stacks: readonly AppliedStack[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const stack of stacks) {
    const resources = resourcesOf(stack);
    const namespaces = new Map(resources.filter((r) => r.type === 'kubernetes_namespace_v1').map((r) => [r.address, String(get(r.body, 'metadata', 'name'))]));
    for (const r of resources) {
      if (r.type === 'kubernetes_namespace_v1' || get(r.body, 'manifest', 'kind') === 'Certificate') continue;
      const ns = namespaceOf(r.body, r.type, namespaces);
      const body = r.type === 'helm_release' ? helmValues(r.body) : r.type === 'kubernetes_manifest' ? get(r.body, 'manifest') : r.body;
      const names = new Set(secretNamesIn(body));
      for (const name of names) if (!out.has(`${ns}/${name}`)) out.set(`${ns}/${name}`, new Set());
      for (const { name, key } of secretKeysIn(body)) if (names.has(name)) out.get(`${ns}/${name}`)!.add(key);
    }
  }
  return out;
}
