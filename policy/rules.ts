/**
 * The rules of ../shared/POLICY.md, checked on synthesized `cdk.tf.json` (Helm values included). Each rule names
 * the matching checks of common scanners (checkov CKV_K8S_*, trivy KSV-*, Pod Security Standards) so that users
 * can map our report to theirs. Exceptions are declared in `exceptions.ts`, each with its reason.
 */
import { arr, get, helmReleases, isGpuResource, isObj, namespaceName, resources, workloads, type Obj, type StackDoc, type Workload } from '../lib/tf-json';

export type Stage = 'dev' | 'staging' | 'prod';

export interface Finding {
  readonly rule: string;
  readonly stack: string;
  /** Terraform address in the stack, e.g. `kubernetes_stateful_set_v1.model-llama_workload_statefulset_1A2B3C4D`. */
  readonly address: string;
  readonly message: string;
  readonly fix: string;
}

export interface Rule {
  readonly id: string;
  readonly title: string;
  /** Matching checks of checkov, trivy and Pod Security Standards. */
  readonly scanners: readonly string[];
  /** `environment`: every stack of the environment (a namespace and what runs in it may be in different stacks). */
  readonly check: (stack: StackDoc, stage: Stage, environment: readonly StackDoc[]) => Finding[];
}

const finding = (rule: string, stack: StackDoc, address: string, message: string, fix: string): Finding => ({ rule, stack: stack.name, address, message, fix });

/** Literal secret material: tokens, keys, PEM private keys. */
export const SECRET_PATTERNS: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp }> = [
  { name: 'Hugging Face token', pattern: /\bhf_[A-Za-z0-9]{20,}/ },
  { name: 'OpenAI-style key', pattern: /\bsk-[A-Za-z0-9_-]{16,}/ },
  { name: 'PEM private key', pattern: /-----BEGIN (?:RSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/ },
  { name: 'AWS access key', pattern: /(?<![A-Z0-9])(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Z0-9])/ },
  { name: 'GitHub token', pattern: /(?<![A-Za-z0-9])(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/ },
  { name: 'Slack token', pattern: /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: 'JSON Web Token', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  // Userinfo made only of Kubernetes $(VAR) references is filled from a Secret at run time: not a literal.
  { name: 'URL credentials (user:password@)', pattern: /[A-Za-z][A-Za-z0-9+.-]*:\/\/(?![^/\s?#@"]*\$\()[^/\s?#@"]+@/ },
  {
    name: 'key-like URL query parameter',
    pattern: /[?&](token|access_token|id_token|api[_-]?key|apikey|key|secret|client_secret|password|passwd|pwd|sig|signature|auth|x-amz-signature|x-amz-credential|x-amz-security-token)=[^&#\s"$]+/i,
  },
];
const SECRET_ENV_NAME = /TOKEN|SECRET|PASSWORD|KEY/;

function envVars(c: Obj): Array<{ name: string; literal: boolean }> {
  return arr(c.env).filter(isObj).map((e) => ({ name: String(e.name), literal: e.value !== undefined && e.value_from === undefined }));
}

function securityOf(w: Workload, c: Obj, field: string): unknown {
  return get(c, 'security_context', field) ?? get(w.pod, 'security_context', field);
}

export const RULES: readonly Rule[] = [
  {
    id: 'P01',
    title: 'No privileged containers, host namespaces, hostPath or hostPort',
    scanners: ['CKV_K8S_16', 'CKV_K8S_17', 'CKV_K8S_18', 'CKV_K8S_19', 'CKV_K8S_26', 'CKV_K8S_27', 'KSV-0008', 'KSV-0009', 'KSV-0010', 'KSV-0017', 'KSV-0023', 'KSV-0024', 'PSS baseline'],
    check: (s) =>
      workloads(s).flatMap((w) => {
        const out: Finding[] = [];
        for (const f of ['host_network', 'host_pid', 'host_ipc']) if (w.pod[f] === true) out.push(finding('P01', s, w.address, `${f} is true`, `remove ${f}`));
        for (const v of arr(w.pod.volume).filter(isObj)) if (v.host_path !== undefined) out.push(finding('P01', s, w.address, `volume "${String(v.name)}" is a hostPath`, 'use a PersistentVolumeClaim or an emptyDir'));
        for (const c of w.containers) {
          if (get(c, 'security_context', 'privileged') === true) out.push(finding('P01', s, w.address, `container "${String(c.name)}" is privileged`, 'drop privileged'));
          for (const p of arr(c.port).filter(isObj)) if (p.host_port !== undefined) out.push(finding('P01', s, w.address, `container "${String(c.name)}" binds hostPort ${String(p.host_port)}`, 'expose it through a Service'));
        }
        return out;
      }),
  },
  {
    id: 'P02',
    title: 'allowPrivilegeEscalation false, capabilities drop ALL, seccomp RuntimeDefault',
    scanners: ['CKV_K8S_20', 'CKV_K8S_28', 'CKV_K8S_31', 'KSV-0001', 'KSV-0003', 'KSV-0030', 'PSS restricted'],
    check: (s) =>
      workloads(s).flatMap((w) =>
        w.containers.flatMap((c) => {
          const out: Finding[] = [];
          const name = String(c.name);
          if (get(c, 'security_context', 'allow_privilege_escalation') !== false) out.push(finding('P02', s, w.address, `container "${name}" does not set allowPrivilegeEscalation: false`, 'set securityContext.allowPrivilegeEscalation: false'));
          if (!arr(get(c, 'security_context', 'capabilities', 'drop')).includes('ALL')) out.push(finding('P02', s, w.address, `container "${name}" does not drop ALL capabilities`, 'set securityContext.capabilities.drop: [ALL]'));
          if (get(securityOf(w, c, 'seccomp_profile'), 'type') !== 'RuntimeDefault') out.push(finding('P02', s, w.address, `container "${name}" has no RuntimeDefault seccomp profile`, 'set securityContext.seccompProfile.type: RuntimeDefault'));
          return out;
        }),
      ),
  },
  {
    id: 'P03',
    title: 'runAsNonRoot with a non-zero UID',
    scanners: ['CKV_K8S_23', 'KSV-0012', 'PSS restricted'],
    check: (s) =>
      workloads(s).flatMap((w) =>
        w.containers.flatMap((c) => {
          const out: Finding[] = [];
          if (securityOf(w, c, 'run_as_non_root') !== true) out.push(finding('P03', s, w.address, `container "${String(c.name)}" may run as root`, 'set runAsNonRoot: true and a non-zero runAsUser'));
          if (String(securityOf(w, c, 'run_as_user') ?? '') === '0') out.push(finding('P03', s, w.address, `container "${String(c.name)}" runs as UID 0`, 'set a non-zero runAsUser'));
          return out;
        }),
      ),
  },
  {
    id: 'P04',
    title: 'Every namespace carries Pod Security Admission labels; privileged only where declared',
    scanners: ['PSS'],
    check: (s) =>
      resources(s)
        .filter((r) => r.type === 'kubernetes_namespace_v1')
        .flatMap((r) => {
          const labels = (get(r.body, 'metadata', 'labels') ?? {}) as Record<string, string>;
          const level = labels['pod-security.kubernetes.io/enforce'];
          if (!level) return [finding('P04', s, r.address, 'namespace has no pod-security.kubernetes.io/enforce label', 'label it restricted (apps) or privileged with a declared exception')];
          if (level !== 'restricted') return [finding('P04', s, r.address, `namespace "${String(get(r.body, 'metadata', 'name'))}" enforces "${level}"`, 'use restricted, or declare an exception with its reason')];
          return [];
        }),
  },
  {
    id: 'P05',
    title: 'CPU and memory requests and a memory limit; GPU limits = TP x PP; ephemeral storage where the pod downloads',
    scanners: ['CKV_K8S_10', 'CKV_K8S_11', 'CKV_K8S_12', 'CKV_K8S_13', 'KSV-0011', 'KSV-0015', 'KSV-0016', 'KSV-0018'],
    check: (s) =>
      workloads(s).flatMap((w) =>
        w.containers.flatMap((c) => {
          const out: Finding[] = [];
          const name = String(c.name);
          const req = (get(c, 'resources', 'requests') ?? {}) as Obj;
          const lim = (get(c, 'resources', 'limits') ?? {}) as Obj;
          if (req.cpu === undefined) out.push(finding('P05', s, w.address, `container "${name}" has no CPU request`, 'set resources.requests.cpu'));
          if (req.memory === undefined) out.push(finding('P05', s, w.address, `container "${name}" has no memory request`, 'set resources.requests.memory'));
          if (lim.memory === undefined) out.push(finding('P05', s, w.address, `container "${name}" has no memory limit`, 'set resources.limits.memory'));
          if (req['ephemeral-storage'] === undefined || lim['ephemeral-storage'] === undefined) out.push(finding('P05', s, w.address, `container "${name}" has no ephemeral-storage request and limit`, 'set both'));
          for (const gpu of Object.keys(req).filter(isGpuResource)) {
            if (req[gpu] !== lim[gpu]) out.push(finding('P05', s, w.address, `container "${name}" requests ${gpu} without the same limit`, `set ${gpu} in limits`));
          }
          return out;
        }),
      ),
  },
  {
    id: 'P06',
    title: 'GPU pods tolerate the GPU taint and select their pool',
    scanners: [],
    check: (s) =>
      workloads(s)
        .filter((w) => w.gpus > 0)
        .flatMap((w) => {
          const out: Finding[] = [];
          if (!arr(w.pod.toleration).some((t) => isObj(t) && t.key === 'nvidia.com/gpu')) out.push(finding('P06', s, w.address, 'GPU pod does not tolerate the nvidia.com/gpu taint', 'add the toleration (the pool gives it)'));
          if (!isObj(w.pod.node_selector) || !('inference-stack.io/pool' in w.pod.node_selector)) out.push(finding('P06', s, w.address, 'GPU pod selects no pool', 'select inference-stack.io/pool'));
          return out;
        }),
  },
  {
    id: 'P07',
    title: 'Tensor parallel pods have an in-memory /dev/shm with a size limit',
    scanners: [],
    check: (s) =>
      workloads(s)
        .filter((w) => w.gpus > 1)
        .flatMap((w) => {
          const mounted = w.containers.flatMap((c) => arr(c.volume_mount).filter(isObj)).find((m) => m.mount_path === '/dev/shm');
          const vol = arr(w.pod.volume).filter(isObj).find((v) => v.name === mounted?.name);
          const ok = get(vol, 'empty_dir', 'medium') === 'Memory' && get(vol, 'empty_dir', 'size_limit') !== undefined;
          return ok ? [] : [finding('P07', s, w.address, `${w.gpus}-GPU pod has no in-memory /dev/shm with a sizeLimit`, 'mount an emptyDir {medium: Memory, sizeLimit} at /dev/shm')];
        }),
  },
  {
    id: 'P08',
    title: 'Model servers: startup probe sized for the load, readiness, and a liveness probe that differs',
    scanners: ['CKV_K8S_8', 'CKV_K8S_9'],
    check: (s) =>
      workloads(s)
        .filter((w) => ['model-server', 'embedding-server', 'edge'].includes(w.labels['app.kubernetes.io/component'] ?? ''))
        .flatMap((w) =>
          w.containers.flatMap((c) => {
            const out: Finding[] = [];
            const server = w.labels['app.kubernetes.io/component'] !== 'edge';
            if (server && !isObj(c.startup_probe)) out.push(finding('P08', s, w.address, `container "${String(c.name)}" has no startup probe`, 'add one whose failureThreshold x periodSeconds covers download and load'));
            if (!isObj(c.readiness_probe)) out.push(finding('P08', s, w.address, `container "${String(c.name)}" has no readiness probe`, 'add one'));
            if (!isObj(c.liveness_probe)) out.push(finding('P08', s, w.address, `container "${String(c.name)}" has no liveness probe`, 'add one'));
            else if (JSON.stringify(c.liveness_probe) === JSON.stringify(c.readiness_probe)) out.push(finding('P08', s, w.address, 'liveness and readiness probes are the same', 'make liveness more tolerant than readiness'));
            return out;
          }),
        ),
  },
  {
    id: 'P09',
    title: 'Replicated workloads have a PodDisruptionBudget that allows a disruption; prod runs gateway, edge and embeddings twice',
    scanners: [],
    check: (s, stage) => {
      const pdbs = resources(s)
        .filter((r) => r.type === 'kubernetes_pod_disruption_budget_v1')
        .map((r) => ({ labels: (get(r.body, 'spec', 'selector', 'match_labels') ?? {}) as Record<string, string>, maxUnavailable: get(r.body, 'spec', 'max_unavailable') }));
      const out: Finding[] = [];
      for (const w of workloads(s).filter((x) => x.type !== 'kubernetes_job_v1' && x.type !== 'kubernetes_cron_job_v1')) {
        const covered = pdbs.find((p) => Object.keys(p.labels).length > 0 && Object.entries(p.labels).every(([k, v]) => w.labels[k] === v));
        if (w.replicas > 1 && !covered) out.push(finding('P09', s, w.address, `${w.replicas} replicas without a PodDisruptionBudget`, 'add a PDB with maxUnavailable: 1'));
        if (covered && covered.maxUnavailable !== undefined && String(covered.maxUnavailable) === '0') out.push(finding('P09', s, w.address, 'its PodDisruptionBudget allows no disruption', 'use maxUnavailable: 1'));
        const component = w.labels['app.kubernetes.io/component'];
        if (stage === 'prod' && (component === 'edge' || component === 'embedding-server') && w.replicas < 2) out.push(finding('P09', s, w.address, `${component} runs ${w.replicas} replica in prod`, 'run at least 2, spread over nodes'));
      }
      for (const r of helmReleases(s).filter((h) => h.chart === 'litellm-helm')) {
        if (stage === 'prod' && Number(r.values.replicaCount ?? 1) < 2) out.push(finding('P09', s, r.address, 'the gateway runs 1 replica in prod', 'set gateway.replicas to 2 or more'));
        if (Number(r.values.replicaCount ?? 1) > 1 && get(r.values, 'pdb', 'enabled') !== true) out.push(finding('P09', s, r.address, 'replicated gateway without a PodDisruptionBudget', 'enable pdb'));
      }
      return out;
    },
  },
  {
    id: 'P10',
    title: 'A default-deny NetworkPolicy in every app namespace',
    scanners: ['CKV2_K8S_6', 'KSV-0038'],
    check: (s, _stage, environment) => {
      // the namespace and its policies may live in different stacks of the environment: matched by name
      const denyAll = new Set(
        [s, ...environment].flatMap((stack) =>
          resources(stack)
            .filter((r) => r.type === 'kubernetes_network_policy_v1')
            .filter((r) => JSON.stringify(get(r.body, 'spec', 'pod_selector')) === '{}' && get(r.body, 'spec', 'ingress') === undefined)
            .map((r) => namespaceName(stack, get(r.body, 'metadata', 'namespace'))),
        ),
      );
      return resources(s)
        .filter((r) => r.type === 'kubernetes_namespace_v1')
        .filter((r) => get(r.body, 'metadata', 'labels', 'inference-stack.io/namespace-role') === 'app')
        .filter((r) => !denyAll.has(String(get(r.body, 'metadata', 'name'))))
        .map((r) => finding('P10', s, r.address, `app namespace "${String(get(r.body, 'metadata', 'name'))}" has no default-deny NetworkPolicy`, 'add one and allow only the traffic its workloads need'));
    },
  },
  {
    id: 'P11',
    title: 'No service account token unless the pod uses the API; no workload in default',
    scanners: ['CKV_K8S_21', 'CKV_K8S_38'],
    check: (s) =>
      workloads(s).flatMap((w) => {
        const out: Finding[] = [];
        if (w.pod.automount_service_account_token !== false) {
          // A pod of its own ServiceAccount says which: an exception can then name it, with the reason it reads the API.
          const sa = typeof w.pod.service_account_name === 'string' && w.pod.service_account_name !== 'default' ? w.pod.service_account_name : undefined;
          out.push(finding('P11', s, w.address, sa ? `mounts the token of service account "${sa}"` : 'mounts a service account token', 'set automountServiceAccountToken: false, or declare why the pod reads the API'));
        }
        if (w.namespace === undefined || w.namespace === 'default') out.push(finding('P11', s, w.address, 'runs in the default namespace', 'put it in its layer namespace'));
        return out;
      }),
  },
  {
    id: 'P12',
    title: 'Every image has an explicit tag, never latest',
    scanners: ['CKV_K8S_14', 'CKV_K8S_43', 'KSV-0013'],
    check: (s) => {
      const out: Finding[] = [];
      for (const w of workloads(s)) {
        for (const c of w.containers) {
          const image = String(c.image ?? '');
          const tag = /:([^:/@]+)(@sha256:[a-f0-9]{64})?$/.exec(image)?.[1];
          if (!tag || tag === 'latest') out.push(finding('P12', s, w.address, `image "${image}" has no explicit tag`, 'pin a version tag (and a digest in prod where known)'));
        }
      }
      for (const r of helmReleases(s)) {
        const tag = get(r.values, 'image', 'tag');
        if (tag === 'latest' || tag === '') out.push(finding('P12', s, r.address, `chart image tag is "${String(tag)}"`, 'pin a version tag'));
      }
      return out;
    },
  },
  {
    id: 'P13',
    title: 'Model revisions are commit SHAs outside dev',
    scanners: [],
    check: (s, stage) =>
      stage === 'dev'
        ? []
        : workloads(s)
            .filter((w) => ['model-server', 'embedding-server'].includes(w.labels['app.kubernetes.io/component'] ?? '') && w.labels['inference-stack.io/engine'] !== 'ollama')
            .flatMap((w) => {
              const args = arr(w.containers[0]?.args).map(String);
              const i = args.indexOf('--revision');
              return i >= 0 && /^[0-9a-f]{40}$/.test(args[i + 1] ?? '') ? [] : [finding('P13', s, w.address, 'serves a model without a commit SHA revision', 'set the model revision to its 40-hex commit SHA')];
            }),
  },
  {
    id: 'P14',
    title: 'Helm releases: exact version, atomic or cleanup_on_fail, wait, a timeout, max_history 1-10',
    scanners: [],
    check: (s) =>
      helmReleases(s).flatMap((r) => {
        const b = r.body;
        const out: Finding[] = [];
        if (!/^v?\d+\.\d+\.\d+$/.test(String(b.version ?? ''))) out.push(finding('P14', s, r.address, `chart version "${String(b.version)}" is not exact`, 'pin an exact chart version'));
        if (b.atomic !== true && b.cleanup_on_fail !== true) out.push(finding('P14', s, r.address, 'neither atomic nor cleanup_on_fail', 'set atomic: true'));
        if (b.wait !== true) out.push(finding('P14', s, r.address, 'does not wait', 'set wait: true'));
        if (!(Number(b.timeout) >= 300)) out.push(finding('P14', s, r.address, `timeout ${String(b.timeout)} s is too short for images and models`, 'set a timeout of 300 s or more'));
        const h = Number(b.max_history);
        if (!(h >= 1 && h <= 10)) out.push(finding('P14', s, r.address, `max_history is ${String(b.max_history)}`, 'set max_history between 1 and 10'));
        return out;
      }),
  },
  {
    id: 'P15',
    title: 'Stateful parts (releases and their namespaces) have prevent_destroy in prod',
    scanners: [],
    check: (s, stage, environment) => {
      if (stage !== 'prod') return [];
      const isStateful = (r: { chart: string }) => ['cluster', 'qdrant'].includes(r.chart);
      const out = helmReleases(s)
        .filter(isStateful)
        .filter((r) => get(r.body, 'lifecycle', 'prevent_destroy') !== true)
        .map((r) => finding('P15', s, r.address, `stateful release (${r.chart}) can be destroyed`, 'set lifecycle.prevent_destroy'));
      // Deleting a namespace deletes the volumes in it; the namespace may be in another stack than the release.
      const namespaces = new Set([s, ...environment].flatMap((stack) => helmReleases(stack).filter(isStateful).map((r) => namespaceName(stack, r.body.namespace))));
      for (const n of resources(s).filter((r) => r.type === 'kubernetes_namespace_v1')) {
        if (namespaces.has(String(get(n.body, 'metadata', 'name'))) && get(n.body, 'lifecycle', 'prevent_destroy') !== true) {
          out.push(finding('P15', s, n.address, `namespace "${String(get(n.body, 'metadata', 'name'))}" holds stateful data and can be destroyed`, 'set lifecycle.prevent_destroy'));
        }
      }
      return out;
    },
  },
  {
    id: 'P16',
    title: 'Remote backend with locking outside dev; provider versions pinned',
    scanners: [],
    check: (s, stage) => {
      const out: Finding[] = [];
      const backend = s.json.terraform?.backend ?? {};
      const [type, config] = Object.entries(backend)[0] ?? ['local', {}];
      if (stage !== 'dev' && type === 'local') out.push(finding('P16', s, 'terraform.backend', 'local backend outside dev', 'use a remote backend with locking'));
      if (type === 's3' && config.use_lockfile !== true && !config.dynamodb_table) out.push(finding('P16', s, 'terraform.backend.s3', 'S3 backend without locking', 'set use_lockfile or a DynamoDB table'));
      for (const [name, p] of Object.entries(s.json.terraform?.required_providers ?? {})) {
        if (!/^\d+\.\d+\.\d+$/.test(p.version ?? '')) out.push(finding('P16', s, `terraform.required_providers.${name}`, `provider version "${String(p.version)}" is not exact`, 'pin an exact version'));
      }
      return out;
    },
  },
  {
    id: 'P17',
    title: 'GPU Operator pins driver, toolkit and device plugin; drivers upgrade one node at a time',
    scanners: [],
    check: (s) =>
      helmReleases(s)
        .filter((r) => r.chart === 'gpu-operator')
        .flatMap((r) => {
          const out: Finding[] = [];
          for (const c of ['driver', 'toolkit', 'devicePlugin']) if (!get(r.values, c, 'version')) out.push(finding('P17', s, r.address, `${c}.version is not pinned`, `pin ${c}.version`));
          if (Number(get(r.values, 'driver', 'upgradePolicy', 'maxParallelUpgrades')) !== 1) out.push(finding('P17', s, r.address, 'drivers may upgrade on several nodes at once', 'set driver.upgradePolicy.maxParallelUpgrades: 1'));
          return out;
        }),
  },
  {
    id: 'P18',
    title: 'No secret material in the synthesized files',
    scanners: [],
    check: (s) => {
      const out: Finding[] = [];
      for (const r of resources(s)) {
        const text = JSON.stringify(r.body);
        for (const p of SECRET_PATTERNS) if (p.pattern.test(text)) out.push(finding('P18', s, r.address, `contains a literal ${p.name}`, 'reference a Kubernetes Secret or a sensitive variable instead'));
      }
      // The rest of cdk.tf.json too: provider blocks, the backend (written into every stack), outputs, locals, ...
      const walk = (v: unknown, path: string, address: string): void => {
        if (typeof v === 'string') {
          for (const p of SECRET_PATTERNS) {
            if (p.pattern.test(v)) out.push(finding('P18', s, address, `${path} contains a literal ${p.name}`, 'credentials come from the kubeconfig, the deploying machine or a Kubernetes Secret, never from the synthesized file'));
          }
        } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, address));
        else if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, address || `${path}.${k}`);
      };
      for (const [top, v] of Object.entries(s.json as Obj)) if (top !== 'resource' && top !== '//') walk(v, top, '');
      for (const r of helmReleases(s)) {
        const walk = (v: unknown, path: string): void => {
          if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
          else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
          else if (typeof v === 'string' && /(^|\.)(password|postgres-password|secretKey|accessKey|apiKey|token)$/i.test(path) && v !== '') {
            out.push(finding('P18', s, r.address, `Helm value ${path} holds a literal`, 'use the chart\'s existing-Secret option'));
          }
        };
        walk(r.values, '');
      }
      return out;
    },
  },
  {
    id: 'P19',
    title: 'No env var named like a secret carries a literal value',
    scanners: [],
    check: (s) => {
      const out: Finding[] = [];
      for (const w of workloads(s)) {
        for (const c of w.containers) {
          for (const e of envVars(c)) if (SECRET_ENV_NAME.test(e.name) && e.literal) out.push(finding('P19', s, w.address, `env ${e.name} has a literal value`, 'use valueFrom.secretKeyRef'));
        }
      }
      for (const r of helmReleases(s)) {
        for (const e of arr(r.values.extraEnvVars).filter(isObj)) {
          if (SECRET_ENV_NAME.test(String(e.name)) && e.value !== undefined) out.push(finding('P19', s, r.address, `env ${String(e.name)} has a literal value`, 'use valueFrom.secretKeyRef'));
        }
        for (const [k, v] of Object.entries((r.values.envVars ?? {}) as Obj)) if (SECRET_ENV_NAME.test(k) && v !== undefined) out.push(finding('P19', s, r.address, `envVars.${k} has a literal value`, 'use extraEnvVars with secretKeyRef'));
      }
      return out;
    },
  },
  {
    id: 'P20',
    title: 'The edge verifies clients where mTLS is on, never skips upstream verification, TLS 1.2 at least; nothing else exposes the gateway',
    scanners: [],
    check: (s, stage) => {
      const out: Finding[] = [];
      for (const r of resources(s).filter((x) => x.type === 'kubernetes_config_map_v1')) {
        const text = get(r.body, 'data', 'caddy.json');
        if (typeof text !== 'string') continue;
        if (text.includes('insecure_skip_verify')) out.push(finding('P20', s, r.address, 'the edge skips TLS verification upstream', 'remove insecure_skip_verify'));
        const config = JSON.parse(text) as Obj;
        const policies = arr(get(config, 'apps', 'http', 'servers', 'edge', 'tls_connection_policies')).filter(isObj);
        if (policies.length === 0 && stage !== 'dev') out.push(finding('P20', s, r.address, 'the edge serves plain HTTP', 'terminate TLS at the edge'));
        for (const p of policies) {
          if (p.protocol_min !== 'tls1.2' && p.protocol_min !== 'tls1.3') out.push(finding('P20', s, r.address, `minimum TLS version is ${String(p.protocol_min ?? 'unset')}`, 'set protocol_min: tls1.2'));
          const auth = p.client_authentication;
          if (isObj(auth) && (auth.mode !== 'require_and_verify' || arr(auth.trusted_ca_certs_pem_files).length === 0)) out.push(finding('P20', s, r.address, 'client certificates are not verified against a CA', 'use mode require_and_verify with the client CA bundle'));
        }
        if (stage === 'prod' && policies.length > 0 && !policies.some((p) => isObj(p.client_authentication))) out.push(finding('P20', s, r.address, 'prod edge admits clients without certificates', 'turn mTLS on (edge.mtls)'));
      }
      for (const r of resources(s).filter((x) => x.type === 'kubernetes_service_v1')) {
        const type = get(r.body, 'spec', 'type');
        const selector = (get(r.body, 'spec', 'selector') ?? {}) as Record<string, string>;
        if ((type === 'LoadBalancer' || type === 'NodePort') && selector['app.kubernetes.io/name'] !== 'edge') out.push(finding('P20', s, r.address, `a ${String(type)} Service other than the edge's`, 'expose workloads only through the edge'));
      }
      for (const r of helmReleases(s).filter((h) => h.chart === 'litellm-helm')) {
        const type = get(r.values, 'service', 'type');
        if (type !== undefined && type !== 'ClusterIP') out.push(finding('P20', s, r.address, `the gateway's Service is ${String(type)}`, 'keep it ClusterIP; clients come through the edge'));
        if (get(r.values, 'ingress', 'enabled') === true) out.push(finding('P20', s, r.address, 'the gateway has its own Ingress', 'remove it; clients come through the edge'));
      }
      return out;
    },
  },
  {
    id: 'P21',
    title: 'No Terraform interpolation or directive but references to what the stack itself declares',
    scanners: [],
    check: (s) => {
      const out: Finding[] = [];
      const json = s.json as Obj;
      const declared = new Set<string>();
      for (const [type, byId] of Object.entries(isObj(json.resource) ? json.resource : {})) for (const id of Object.keys(isObj(byId) ? byId : {})) declared.add(`${type}.${id}`);
      for (const [type, byId] of Object.entries(isObj(json.data) ? json.data : {})) for (const id of Object.keys(isObj(byId) ? byId : {})) declared.add(`data.${type}.${id}`);
      for (const name of Object.keys(isObj(json.locals) ? json.locals : {})) declared.add(`local.${name}`);
      for (const name of Object.keys(isObj(json.variable) ? json.variable : {})) declared.add(`var.${name}`);
      const ours = (expr: string) => {
        const m = /^((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)(?:[.[]|$)/.exec(expr);
        return m !== null && declared.has(m[1]!);
      };
      const scan = (text: string, path: string, address: string) => {
        // `$${` and `%%{` are escapes: a `${` or `%{` preceded by another `$` or `%` is literal text.
        for (const m of text.matchAll(/(?<![$])\$\{([^}]*)\}?/g)) {
          if (!ours(m[1]!)) out.push(finding('P21', s, address, `interpolation ${m[0]} in ${path} is no reference to a resource of this stack`, 'escape literal text as $${ (every string of an environment is escaped where the stacks receive it)'));
        }
        for (const m of text.matchAll(/(?<!%)%\{([^}]*)\}?/g)) {
          out.push(finding('P21', s, address, `directive ${m[0]} in ${path} is Terraform template code`, 'escape literal text as %%{'));
        }
      };
      const walk = (v: unknown, path: string, address: string): void => {
        if (typeof v === 'string') scan(v, path, address);
        else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, address));
        else if (isObj(v)) {
          for (const [k, x] of Object.entries(v)) {
            const p = path ? `${path}.${k}` : k;
            scan(k, p, address);
            walk(x, p, address);
          }
        }
      };
      for (const [top, v] of Object.entries(json)) {
        if (top === '//') continue;
        if (top === 'resource' && isObj(v)) {
          for (const [type, byId] of Object.entries(v)) for (const [id, body] of Object.entries(isObj(byId) ? byId : {})) walk(body, '', `${type}.${id}`);
        } else if (isObj(v)) {
          for (const [k, x] of Object.entries(v)) {
            scan(k, `${top}.${k}`, `${top}.${k}`);
            walk(x, `${top}.${k}`, `${top}.${k}`);
          }
        } else walk(v, top, top);
      }
      return out;
    },
  },
  {
    id: 'P22',
    title: 'prod: a PII guardrail runs before every call to a hosted API (hosted models and the fallbacks that reach them)',
    scanners: [],
    check: (s, stage) => {
      if (stage !== 'prod') return [];
      const out: Finding[] = [];
      for (const r of helmReleases(s).filter((h) => h.chart === 'litellm-helm')) {
        const config = r.values.proxy_config;
        if (!isObj(config)) continue;
        // A Presidio guardrail before the call, with entities to act on.
        const pii = arr(config.guardrails).filter(isObj).filter((g) => {
          const p = g.litellm_params;
          return isObj(p) && p.guardrail === 'presidio' && p.mode === 'pre_call' && isObj(p.pii_entities_config) && Object.keys(p.pii_entities_config).length > 0;
        });
        const everywhere = pii.some((g) => get(g, 'litellm_params', 'default_on') === true);
        const routes = arr(config.model_list).filter(isObj);
        const inCluster = (base: unknown) => typeof base === 'string' && /^https?:\/\/[^/]+\.svc\.cluster\.local(:\d+)?(\/|$)/.test(base);
        const hosted = new Map(routes.filter((m) => !inCluster(get(m, 'litellm_params', 'api_base'))).map((m) => [String(m.model_name), String(get(m, 'litellm_params', 'model'))]));
        const fallbacks = new Map<string, string[]>();
        for (const f of arr(get(config, 'router_settings', 'fallbacks')).filter(isObj)) for (const [k, v] of Object.entries(f)) fallbacks.set(k, arr(v).map(String));
        const reaching = new Set(hosted.keys());
        for (let grew = true; grew; ) {
          grew = false;
          for (const [name, chain] of fallbacks) {
            if (reaching.has(name) || !chain.some((c) => reaching.has(c))) continue;
            reaching.add(name);
            grew = true;
          }
        }
        for (const m of routes) {
          const name = String(m.model_name);
          // Only default_on counts: LiteLLM (v1.81.9 .. 1.87) ignores model-level guardrails before the call (#29652).
          if (!reaching.has(name) || everywhere) continue;
          const what = hosted.has(name) ? `calls a hosted API (${hosted.get(name)!})` : `falls back to a hosted API (${(fallbacks.get(name) ?? []).filter((c) => reaching.has(c)).join(', ')})`;
          out.push(finding('P22', s, r.address, `route "${name}" ${what} without a PII guardrail before the call`, 'add a PII guardrail (gateway.guardrails), or state an exception with its reason (gateway.guardrailExceptions)'));
        }
      }
      return out;
    },
  },
];
