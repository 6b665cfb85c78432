/**
 * Re-apply and day-two changes (issue 21): a second apply is a no-op, and no harmless change replaces a serving
 * workload. Facts from the provider source at the pinned versions (hashicorp/terraform-provider-kubernetes v2.38.0,
 * hashicorp/terraform-provider-helm v3.1.1), each with its file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS, type ChartRef } from '../../charts/pins';
import { CRD_UPGRADES } from '../../charts/crd-upgrades';
import { kedaValues } from '../../charts/keda';
import { chartFacts, excerpt, upstreamValues } from '../support/upstream';
import { GPU_TAINT } from '../../constructs/gpu-node-pool';
import type { Environment } from '../../environments/schema';
import { TerraformStack, Testing } from '../../lib/cdktf';
import { scriptJob, type JobEnv } from '../../constructs/private/script-job';
import { presetEnv, PRESETS, resourcesOf, stacksOf, synthEnvJson, type TfJson } from '../support/synth';

describe('node taints', () => {
  const pools = PRESETS.map((preset) => stacksOf(preset)[`${preset}-gpu-pools`]!);

  it('never plans to remove a taint someone else put on a GPU node', () => {
    // resource_kubernetes_node_taint.go (v2.38.0): Read sets `taint` to every taint of node.Spec.Taints (a cordon,
    // node.kubernetes.io/not-ready, a cloud taint), and Update server-side applies `spec.taints` (an atomic list) as
    // the whole list of the configuration. So the next plan shows the others' taints as to be removed, and a
    // forced apply would remove them: the list is written once at create and its drift ignored.
    const taints = pools.flatMap((tf) => resourcesOf(tf, 'kubernetes_node_taint'));
    expect(taints.length).toBeGreaterThan(0);
    for (const t of taints) {
      expect(t.taint).toEqual([GPU_TAINT]);
      expect((t.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes).toEqual(['taint']);
      expect(t.force, 'never forced: a taint list another manager owns is reported as a conflict, not overwritten').toBeUndefined();
    }
  });
});

/**
 * The attributes whose change makes the provider replace the resource, for every resource type we emit, from the
 * provider source at the pinned versions. `metadata.name`/`metadata.namespace` are ForceNew for every kubernetes
 * resource (kubernetes/schema_metadata.go:33 `name`, :95 `namespace` at v2.38.0).
 */
const META = [
  { path: 'metadata.name', source: 'kubernetes/schema_metadata.go:33' },
  { path: 'metadata.namespace', source: 'kubernetes/schema_metadata.go:95' },
];
export const FORCE_NEW: Record<string, ReadonlyArray<{ path: string; source: string }>> = {
  kubernetes_stateful_set_v1: [
    ...META,
    { path: 'spec.pod_management_policy', source: 'kubernetes/schema_stateful_set_spec.go:13' },
    { path: 'spec.revision_history_limit', source: 'kubernetes/schema_stateful_set_spec.go:31' },
    { path: 'spec.selector', source: 'kubernetes/schema_stateful_set_spec.go:39' },
    { path: 'spec.service_name', source: 'kubernetes/schema_stateful_set_spec.go:49' },
    { path: 'spec.volume_claim_template', source: 'kubernetes/schema_stateful_set_spec.go:98' },
  ],
  kubernetes_deployment_v1: [...META, { path: 'spec.selector', source: 'kubernetes/resource_kubernetes_deployment_v1.go:100' }],
  kubernetes_service_v1: [
    ...META,
    { path: 'spec.cluster_ip', source: 'kubernetes/resource_kubernetes_service_v1.go:65' },
    { path: 'spec.cluster_ips', source: 'kubernetes/resource_kubernetes_service_v1.go:76' },
    { path: 'spec.load_balancer_class', source: 'kubernetes/resource_kubernetes_service_v1.go:150' },
    { path: 'spec.health_check_node_port', source: 'kubernetes/resource_kubernetes_service_v1.go:283' },
  ],
  // RequiresReplace for apiVersion, kind, metadata.name (manifest/provider/plan.go:185), metadata.namespace (:331)
  kubernetes_manifest: [
    { path: 'manifest.apiVersion', source: 'manifest/provider/plan.go:185' },
    { path: 'manifest.kind', source: 'manifest/provider/plan.go:185' },
    { path: 'manifest.metadata.name', source: 'manifest/provider/plan.go:185' },
    { path: 'manifest.metadata.namespace', source: 'manifest/provider/plan.go:331' },
  ],
  // The whole Job spec is ForceNew: a Job is replaced on any change, so it is named by a hash of its content.
  kubernetes_job_v1: [...META, { path: 'spec', source: 'kubernetes/schema_job_spec.go:26' }],
  kubernetes_cron_job_v1: META,
  // A shared model cache's claim (issue 17): access modes and class are ForceNew, the requested size is not (resized
  // in place). kubernetes/schema_persistent_volume_claim.go at commit 019dd53f, the copy read.
  kubernetes_persistent_volume_claim_v1: [
    ...META,
    { path: 'spec.access_modes', source: 'kubernetes/schema_persistent_volume_claim.go:32' },
    { path: 'spec.storage_class_name', source: 'kubernetes/schema_persistent_volume_claim.go:89' },
  ],
  kubernetes_config_map_v1: META,
  kubernetes_namespace_v1: [META[0]!],
  kubernetes_network_policy_v1: META,
  kubernetes_pod_disruption_budget_v1: [
    ...META,
    { path: 'spec', source: 'kubernetes/resource_kubernetes_pod_disruption_budget_v1.go:43' },
  ],
  kubernetes_service_account_v1: META,
  kubernetes_default_service_account_v1: META,
  kubernetes_cluster_role_v1: [META[0]!],
  kubernetes_cluster_role_binding_v1: [META[0]!, { path: 'role_ref', source: 'kubernetes/resource_kubernetes_cluster_role_binding_v1.go:31' }],
  kubernetes_labels: [
    { path: 'api_version', source: 'kubernetes/resource_kubernetes_labels.go:35' },
    { path: 'kind', source: 'kubernetes/resource_kubernetes_labels.go:41' },
    { path: 'metadata.name', source: 'kubernetes/resource_kubernetes_labels.go:53' },
    { path: 'metadata.namespace', source: 'kubernetes/resource_kubernetes_labels.go:59' },
  ],
  kubernetes_node_taint: [{ path: 'metadata.name', source: 'kubernetes/resource_kubernetes_node_taint.go:52' }],
  // Terraform's built-in terraform_data: a new `input` is an in-place update (Terraform 1.11, checked with a plan);
  // only `triggers_replace`, which we do not set, replaces it.
  terraform_data: [],
  // helm v3.1.1 (helm/resource_helm_release.go): name and namespace carry RequiresReplace plan modifiers.
  helm_release: [
    { path: 'name', source: 'helm/resource_helm_release.go:414 (RequiresReplace, :417)' },
    { path: 'namespace', source: 'helm/resource_helm_release.go:424 (RequiresReplace, :429)' },
  ],
};

/** What serves traffic: replacing one of these is an outage. */
const SERVING = ['kubernetes_stateful_set_v1', 'kubernetes_deployment_v1', 'kubernetes_service_v1', 'kubernetes_manifest', 'helm_release'];

/** The value at a provider path in cdk.tf.json (blocks of one item are lists there: descend into the first). */
function at(v: unknown, path: string): unknown {
  let cur = v;
  for (const key of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[0];
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Whether `lifecycle.ignore_changes` covers a path (`spec[0].volume_claim_template` covers `spec.volume_claim_template.x`). */
function ignored(resource: Record<string, unknown>, path: string): boolean {
  const list = (resource.lifecycle as { ignore_changes?: string[] | 'all' } | undefined)?.ignore_changes;
  if (list === 'all') return true;
  return (list ?? []).map((p) => p.replace(/\[\d+\]/g, '')).some((p) => path === p || path.startsWith(`${p}.`));
}

const stable = (v: unknown) => JSON.stringify(v ?? null);

type Change = { name: string; edit: (env: Environment) => void };
const HARMLESS: Change[] = [
  { name: 'a bigger model cache', edit: (e) => void (e.models.find((m) => m.name === 'llama-70b')!.cache = { sizeGiB: 1200 }) },
  { name: 'another replica range under autoscaling', edit: (e) => void (e.models.find((m) => m.autoscaling)!.autoscaling!.max += 2) },
  { name: 'one more replica of a model', edit: (e) => void (e.models.find((m) => m.name === 'qwen-7b')!.replicas = 3) },
  { name: 'an annotation on the edge Service', edit: (e) => void (e.edge!.service.annotations = { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }) },
  { name: 'a node added to a pool', edit: (e) => void e.gpuPools.find((p) => p.name === 'h100')!.nodes.push('prod-h100-09') },
  { name: 'a bigger vector store', edit: (e) => void (e.vectorStore!.storage.sizeGiB += 100) },
];

describe('a harmless change replaces no serving workload (prod)', () => {
  const before = stacksOf('prod');

  it('knows the ForceNew attributes of every resource type it emits', () => {
    const emitted = new Set(Object.values(before).flatMap((tf) => Object.keys(tf.resource ?? {})));
    expect([...emitted].filter((t) => !(t in FORCE_NEW)).sort()).toEqual([]);
  });

  it.each(HARMLESS)('$name', ({ edit }) => {
    const env = structuredClone(presetEnv('prod'));
    edit(env);
    const after = synthEnvJson(env);
    let changed = 0;
    for (const [stack, tf] of Object.entries(before)) {
      for (const type of SERVING) {
        const was = tf.resource?.[type] ?? {};
        const now = after[stack]!.resource?.[type] ?? {};
        expect(Object.keys(now).sort(), `${stack}: ${type} addresses`).toEqual(Object.keys(was).sort());
        for (const [id, r] of Object.entries(was)) {
          const n = now[id]!;
          if (stable(n) !== stable(r)) changed++;
          for (const { path, source } of FORCE_NEW[type]!) {
            if (stable(at(r, path)) !== stable(at(n, path))) {
              expect(ignored(n, path), `${stack}: ${type}.${id} ${path} changed (ForceNew, ${source}) and no ignore_changes covers it`).toBe(true);
            }
          }
        }
      }
    }
    expect(changed, 'the change reaches some serving resource').toBeGreaterThan(0);
  });
});

describe('script Jobs are replaced exactly when their content changes', () => {
  const jobName = (env: JobEnv[], image = 'busybox:1.37.0') => {
    const stack = new TerraformStack(Testing.app(), 'jobs');
    scriptJob(stack, 'job', { name: 'setup', namespace: 'rag', image, command: ['/bin/sh', '/files/run.sh'], files: { 'run.sh': 'echo hi' }, mountPath: '/files', env, uid: 1000 });
    const tf = JSON.parse(Testing.synth(stack)) as TfJson;
    return (resourcesOf(tf, 'kubernetes_job_v1')[0]!.metadata as { name: string }).name;
  };

  it('names the Job by its files, image, command and env (the Job spec is ForceNew: schema_job_spec.go:26)', () => {
    const base = jobName([{ name: 'DB', value: 'app' }]);
    expect(jobName([{ name: 'DB', value: 'app' }])).toBe(base);
    expect(jobName([{ name: 'DB', value: 'other' }]), 'an env value').not.toBe(base);
    expect(jobName([{ name: 'DB', secret: { name: 'db', key: 'uri' } }]), 'a Secret reference').not.toBe(base);
    expect(jobName([{ name: 'DB', secret: { name: 'db', key: 'uri2' } }])).not.toBe(jobName([{ name: 'DB', secret: { name: 'db', key: 'uri' } }]));
    expect(jobName([{ name: 'DB', value: 'app' }], 'busybox:1.37.1'), 'the image').not.toBe(base);
  });
});

describe('annotations controllers write are not ours to remove', () => {
  const stacks = PRESETS.flatMap((p) => Object.values(stacksOf(p)));

  it('sets ignore_annotations on every kubernetes provider for MetalLB, kube-vip and GKE NEG annotations', () => {
    // A LoadBalancer Service declares its annotations; MetalLB adds metallb.io/ip-allocated-from-pool (older:
    // metallb.universe.tf/...), GKE cloud.google.com/neg-status. The provider drops only *.kubernetes.io keys
    // from what it reads (isInternalKey, kubernetes/structures.go:175 at v2.38.0); keys matching ignore_annotations
    // are dropped too, unless the configuration sets them (removeKeys, structures.go:162).
    for (const tf of stacks) {
      const provider = tf.provider.kubernetes![0] as { ignore_annotations?: string[] };
      const patterns = (provider.ignore_annotations ?? []).map((p) => new RegExp(p));
      for (const key of ['metallb.io/ip-allocated-from-pool', 'metallb.universe.tf/ip-allocated-from-pool', 'kube-vip.io/vipHost', 'cloud.google.com/neg-status']) {
        expect(patterns.some((p) => p.test(key)), key).toBe(true);
      }
      // never one we write ourselves (removing it from the configuration would then leave it on the object)
      for (const key of ['service.beta.kubernetes.io/aws-load-balancer-type', 'kubectl.kubernetes.io/default-container', 'prometheus.io/scrape', 'cloud.google.com/load-balancer-type']) {
        expect(patterns.some((p) => p.test(key)), key).toBe(false);
      }
    }
  });
});

describe('chart bumps upgrade CRDs deliberately', () => {
  // facts/upstream: the files in the chart's crds/, and the templates that hold `kind: CustomResourceDefinition`
  const crdFiles = (c: ChartRef) => {
    const facts = chartFacts(c.upstreamData);
    return { folder: facts.crdFiles.length, templated: Object.entries(facts.templates).filter(([, t]) => t.crd).map(([file, t]) => ({ file, ...t })) };
  };

  it('decides the CRD upgrade path of every pinned chart that ships CRDs', () => {
    for (const [key, chart] of Object.entries(CHARTS)) {
      const { folder, templated } = crdFiles(chart);
      if (folder + templated.length === 0) continue;
      const path = CRD_UPGRADES[key as keyof typeof CHARTS];
      expect(path, `${chart.chart} ships CRDs: decide how a bump upgrades them (charts/crd-upgrades.ts)`).toBeDefined();
      // Helm never upgrades crds/; templated CRDs are release resources, upgraded with it
      if (path!.path === 'templated') expect(templated.length, chart.chart).toBeGreaterThan(0);
      if (path!.path === 'manual') expect(readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8')).toContain(`\`${chart.chart}\``);
    }
  });

  it('lets the GPU Operator\'s CRD upgrade hook run: the release skips OpenAPI validation, as the chart requires', () => {
    // gpu-operator values.yaml: "upgradeCRD: true ... requires --disable-openapi-validation flag to be passed during
    // helm upgrade" (a new ClusterPolicy field fails validation against the old CRD before the hook applies the new).
    const text = excerpt(CHARTS.gpuOperator.upstreamData, 'values.yaml');
    expect(text).toMatch(/upgradeCRD[^\n]*\n[^\n]*disable-openapi-validation|disable-openapi-validation[\s\S]{0,80}upgradeCRD: true/);
    const platform = stacksOf('prod')['prod-platform']!;
    const release = resourcesOf(platform, 'helm_release').find((r) => r.chart === 'gpu-operator')!;
    expect(release.disable_openapi_validation).toBe(true);
    expect(resourcesOf(platform, 'helm_release').filter((r) => r.disable_openapi_validation).map((r) => r.chart)).toEqual(['gpu-operator']);
  });

  it('keeps KEDA\'s templated CRDs on an uninstall (else every ScaledObject is deleted)', () => {
    const values = kedaValues() as { crds: { install: boolean; additionalAnnotations?: Record<string, string> } };
    expect(values.crds.additionalAnnotations?.['helm.sh/resource-policy']).toBe('keep');
    // the templates read that value into every CRD's annotations
    const { templated } = crdFiles(CHARTS.keda);
    expect(templated.length).toBe(6);
    for (const f of templated) expect(f.reads, f.file).toContainEqual(['crds', 'additionalAnnotations']);
  });

  it('keeps the templated CRDs of cert-manager and CloudNativePG too (their charts do it)', () => {
    expect((upstreamValues(CHARTS.certManager.upstreamData).crds as { keep: boolean }).keep).toBe(true);
    const templated = crdFiles(CHARTS.cloudnativePg).templated;
    expect(templated.length).toBeGreaterThan(0);
    for (const f of templated) expect(f.resourcePolicy, f.file).toBe('keep');
  });
});
