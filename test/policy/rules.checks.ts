/**
 * Every rule of the policy check catches what it is for: a clean preset passes, and one injected violation per
 * rule is reported with the rule id, the resource address and a fix.
 */
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { StackDoc } from '../../lib/tf-json';
import { EXCEPTIONS, RULES, blocksOutput, checkPolicy, formatReport, reportJson } from '../../policy';
import { presetEnv, PRESETS, stacksOf } from '../support/synth';

/** The stacks of a named environment as policy input: each call a fresh copy of the one synth of this file. */
const docsOf = (name: string): StackDoc[] => Object.entries(stacksOf(name)).map(([stack, json]) => ({ name: stack, json: json as never }));
const stage = (preset: string) => presetEnv(preset).stage;
type Obj = Record<string, any>;
const first = (stacks: StackDoc[], stack: string, type: string, pick: (r: Obj) => boolean = () => true): Obj => {
  const res = (stacks.find((s) => s.name === stack)!.json.resource as Obj)[type] as Obj;
  return Object.values(res).find(pick)!;
};
const server = (s: StackDoc[]) => first(s, 'prod-models', 'kubernetes_stateful_set_v1', (r) => r.metadata.name === 'llama-70b');
const container = (s: StackDoc[]) => server(s).spec.template.spec.container[0];
/** Changes the LiteLLM proxy config inside the gateway's Helm values. */
const editProxyConfig = (s: StackDoc[], edit: (config: Obj) => void) => {
  const r = first(s, 'prod-gateway', 'helm_release', (x) => x.chart === 'litellm-helm');
  const values = parse(r.values[0]) as Obj;
  edit(values.proxy_config);
  r.values = [stringify(values)];
};

describe.each(PRESETS)('the %s preset', (preset) => {
  it('passes every rule, the privileged namespaces and the GPU readiness gates by declared exception only', () => {
    const result = checkPolicy(docsOf(preset), stage(preset));
    expect(result.violations).toEqual([]);
    const gates = presetEnv(preset).gpuPools.map(() => 'mounts the token of service account "gpu-readiness"');
    // the log shipper's namespace (hostPath /var/log) where the environment ships logs: prod
    const logging = presetEnv(preset).observability.logs ? ['namespace "logging" enforces "privileged"'] : [];
    // an in-cluster Langfuse's namespace (the operator-made ClickHouse pods) where the environment runs one: staging
    const tracing = presetEnv(preset).observability.tracing;
    const langfuse = tracing?.type === 'langfuse' && tracing.inCluster ? ['namespace "tracing" enforces "baseline"'] : [];
    expect(result.excepted.map((e) => e.message).sort()).toEqual([...gates, 'namespace "gpu-operator" enforces "privileged"', ...logging, 'namespace "monitoring" enforces "privileged"', ...langfuse]);
    expect(langfuse.length > 0).toBe(preset === 'staging');
    expect(logging.length > 0).toBe(preset === 'prod');
    expect(result.rules).toBe(22);
  });
});

const cases: Array<[rule: string, what: string, inject: (s: StackDoc[]) => void, message: RegExp]> = [
  ['P01', 'a privileged container', (s) => (container(s).security_context.privileged = true), /container "server" is privileged/],
  ['P01', 'a hostPath volume', (s) => server(s).spec.template.spec.volume.push({ name: 'host', host_path: { path: '/' } }), /volume "host" is a hostPath/],
  ['P01', 'host networking', (s) => (server(s).spec.template.spec.host_network = true), /host_network is true/],
  ['P02', 'privilege escalation allowed', (s) => delete container(s).security_context.allow_privilege_escalation, /does not set allowPrivilegeEscalation: false/],
  ['P02', 'capabilities kept', (s) => (container(s).security_context.capabilities.drop = ['NET_RAW']), /does not drop ALL capabilities/],
  ['P02', 'no seccomp profile', (s) => { delete container(s).security_context.seccomp_profile; delete server(s).spec.template.spec.security_context.seccomp_profile; }, /no RuntimeDefault seccomp profile/],
  ['P03', 'root allowed', (s) => { delete container(s).security_context.run_as_non_root; delete server(s).spec.template.spec.security_context.run_as_non_root; }, /may run as root/],
  ['P03', 'UID 0', (s) => (server(s).spec.template.spec.security_context.run_as_user = '0'), /runs as UID 0/],
  ['P04', 'a namespace without PSA labels', (s) => delete first(s, 'prod-namespaces', 'kubernetes_namespace_v1', (x) => x.metadata.name === 'models').metadata.labels['pod-security.kubernetes.io/enforce'], /has no pod-security.kubernetes.io\/enforce label/],
  ['P05', 'no memory limit', (s) => delete container(s).resources.limits.memory, /has no memory limit/],
  ['P05', 'no CPU request', (s) => delete container(s).resources.requests.cpu, /has no CPU request/],
  ['P05', 'a GPU request without its limit', (s) => (container(s).resources.limits['nvidia.com/gpu'] = '2'), /requests nvidia\.com\/gpu without the same limit/],
  ['P05', 'a MIG slice request without its limit', (s) => { container(s).resources.requests['nvidia.com/mig-3g.40gb'] = '1'; }, /requests nvidia\.com\/mig-3g\.40gb without the same limit/],
  ['P05', 'no ephemeral storage', (s) => delete container(s).resources.limits['ephemeral-storage'], /no ephemeral-storage request and limit/],
  ['P06', 'a GPU pod without the toleration', (s) => (server(s).spec.template.spec.toleration = []), /does not tolerate the nvidia.com\/gpu taint/],
  ['P07', 'tensor parallel without a memory /dev/shm', (s) => { const v = server(s).spec.template.spec.volume.find((x: Obj) => x.name === 'shm'); v.empty_dir = {}; }, /4-GPU pod has no in-memory \/dev\/shm with a sizeLimit/],
  ['P08', 'no startup probe', (s) => delete container(s).startup_probe, /has no startup probe/],
  ['P08', 'liveness equal to readiness', (s) => (container(s).liveness_probe = container(s).readiness_probe), /liveness and readiness probes are the same/],
  ['P09', 'replicas without a PDB', (s) => { const pdbs = (s.find((x) => x.name === 'prod-models')!.json.resource as Obj).kubernetes_pod_disruption_budget_v1; for (const k of Object.keys(pdbs)) if (pdbs[k].metadata.name === 'llama-70b') delete pdbs[k]; }, /2 replicas without a PodDisruptionBudget/],
  ['P09', 'one edge replica in prod', (s) => (first(s, 'prod-edge', 'kubernetes_deployment_v1').spec.replicas = '1'), /edge runs 1 replica in prod/],
  ['P10', 'an app namespace without default deny', (s) => { const np = (s.find((x) => x.name === 'prod-gateway')!.json.resource as Obj).kubernetes_network_policy_v1; for (const k of Object.keys(np)) if (np[k].metadata.name === 'default-deny-ingress') delete np[k]; }, /app namespace "gateway" has no default-deny NetworkPolicy/],
  ['P11', 'a service account token', (s) => (server(s).spec.template.spec.automount_service_account_token = true), /mounts a service account token/],
  ['P11', "another service account's token", (s) => { server(s).spec.template.spec.automount_service_account_token = true; server(s).spec.template.spec.service_account_name = 'llama'; }, /mounts the token of service account "llama"/],
  ['P11', 'a workload in default', (s) => delete server(s).metadata.namespace, /runs in the default namespace/],
  ['P12', 'a latest image', (s) => (container(s).image = 'vllm/vllm-openai:latest'), /image "vllm\/vllm-openai:latest" has no explicit tag/],
  ['P12', 'an untagged image', (s) => (container(s).image = 'vllm/vllm-openai'), /has no explicit tag/],
  ['P13', 'a branch revision outside dev', (s) => { const a = container(s).args; a[a.indexOf('--revision') + 1] = 'main'; }, /serves a model without a commit SHA revision/],
  ['P14', 'a helm release without atomic', (s) => { const r = first(s, 'prod-platform', 'helm_release'); r.atomic = false; r.cleanup_on_fail = false; }, /neither atomic nor cleanup_on_fail/],
  ['P14', 'a chart version range', (s) => (first(s, 'prod-platform', 'helm_release').version = '>=88'), /is not exact/],
  ['P14', 'unbounded history', (s) => (first(s, 'prod-platform', 'helm_release').max_history = 0), /max_history is 0/],
  ['P15', 'a destroyable store in prod', (s) => delete first(s, 'prod-rag', 'helm_release').lifecycle, /stateful release \(cluster\) can be destroyed/],
  // the namespace is in the namespaces stack, the release that makes it stateful in the gateway stack
  ['P15', 'a destroyable namespace of a store in prod', (s) => delete first(s, 'prod-namespaces', 'kubernetes_namespace_v1', (x) => x.metadata.name === 'gateway').lifecycle, /namespace "gateway" holds stateful data and can be destroyed/],
  ['P16', 'a local backend outside dev', (s) => ((s[0]!.json as Obj).terraform.backend = { local: { path: 'x' } }), /local backend outside dev/],
  ['P16', 'an unpinned provider', (s) => ((s[0]!.json as Obj).terraform.required_providers.helm.version = '~> 3.0'), /provider version "~> 3.0" is not exact/],
  ['P17', 'parallel driver upgrades', (s) => { const r = first(s, 'prod-platform', 'helm_release', (x) => x.chart === 'gpu-operator'); r.values = [r.values[0].replace('maxParallelUpgrades: 1', 'maxParallelUpgrades: 3')]; }, /drivers may upgrade on several nodes at once/],
  ['P18', 'a literal HF token', (s) => container(s).args.push('--hf-token', 'hf_abcdefghijklmnopqrstuvwxyz'), /contains a literal Hugging Face token/],
  ['P18', 'a PEM private key', (s) => (first(s, 'prod-edge', 'kubernetes_config_map_v1').data.key = '-----BEGIN PRIVATE KEY-----\nMII'), /contains a literal PEM private key/],
  ['P18', 'a password in Helm values', (s) => { const r = first(s, 'prod-rag', 'helm_release'); r.values = [`${r.values[0]}postgresql:\n  auth:\n    password: hunter2\n`]; }, /Helm value postgresql.auth.password holds a literal/],
  ['P18', 'a token in a provider block', (s) => ((s[0]!.json as Obj).provider.kubernetes[0].config_context = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789AB'), /^provider\.kubernetes\[0\]\.config_context contains a literal GitHub token$/],
  ['P18', 'an AWS key in the backend', (s) => ((s[0]!.json as Obj).terraform.backend.s3.access_key = 'AKIAIOSFODNN7EXAMPLE'), /^terraform\.backend\.s3\.access_key contains a literal AWS access key$/],
  ['P18', 'credentials in a URL of an output', (s) => ((s[0]!.json as Obj).output = { endpoint: { value: 'https://alice:s3cret@llm.example.com' } }), /^output\.endpoint\.value contains a literal URL credentials \(user:password@\)$/],
  ['P18', 'a key-like query parameter in a local', (s) => ((s[0]!.json as Obj).locals = { u: 'https://s3.example.com/b?X-Amz-Signature=abcdef' }), /^locals\.u contains a literal key-like URL query parameter$/],
  ['P21', 'a file() call in an annotation', (s) => (first(s, 'prod-edge', 'kubernetes_service_v1').metadata.annotations = { note: '${file("~/.aws/credentials")}' }), /^interpolation \$\{file\("~\/\.aws\/credentials"\)\} in metadata\.annotations\.note is no reference to a resource of this stack$/],
  ['P21', 'a template directive in Helm values', (s) => { const r = first(s, 'prod-platform', 'helm_release'); r.values = [`${r.values[0]}x: "%{ if true }y%{ endif }"\n`]; }, /^directive %\{ if true \} in values\[0\]/],
  ['P21', 'a reference to another stack\'s resource in a provider', (s) => ((s[0]!.json as Obj).provider.kubernetes[0].config_context = '${kubernetes_secret_v1.other.data}'), /^interpolation \$\{kubernetes_secret_v1\.other\.data\} in provider\.kubernetes\[0\]\.config_context is no reference/],
  ['P19', 'a literal secret env var', (s) => container(s).env.push({ name: 'OPENAI_API_KEY', value: 'x' }), /env OPENAI_API_KEY has a literal value/],
  ['P22', 'a PII guardrail that is not on by default (model-level lists do not run before the call)', (s) => editProxyConfig(s, (c) => (c.guardrails[0].litellm_params.default_on = false)), /^route "llama-70b" falls back to a hosted API \(gpt-oss-120b, gpt-4o\) without a PII guardrail before the call$/],
  ['P22', 'a PII guardrail that runs during the call, after the prompt has left', (s) => editProxyConfig(s, (c) => (c.guardrails[0].litellm_params.mode = 'during_call')), /^route "gpt-4o" calls a hosted API \(openai\/gpt-4o\) without a PII guardrail before the call$/],
  ['P20', 'client certificates not required in prod', (s) => { const cm = first(s, 'prod-edge', 'kubernetes_config_map_v1'); const c = JSON.parse(cm.data['caddy.json']); delete c.apps.http.servers.edge.tls_connection_policies[0].client_authentication; cm.data['caddy.json'] = JSON.stringify(c); }, /prod edge admits clients without certificates/],
  ['P20', 'TLS 1.0 allowed', (s) => { const cm = first(s, 'prod-edge', 'kubernetes_config_map_v1'); const c = JSON.parse(cm.data['caddy.json']); c.apps.http.servers.edge.tls_connection_policies[0].protocol_min = 'tls1.0'; cm.data['caddy.json'] = JSON.stringify(c); }, /minimum TLS version is tls1.0/],
  ['P20', 'a LoadBalancer around the edge', (s) => { const svc = first(s, 'prod-models', 'kubernetes_service_v1'); svc.spec.type = 'LoadBalancer'; }, /a LoadBalancer Service other than the edge's/],
];

describe('each rule catches its violation', () => {
  it('covers every rule', () => {
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(RULES.map((r) => r.id)));
  });

  it.each(cases)('%s: %s', (rule, _what, inject, message) => {
    const stacks = docsOf('prod');
    inject(stacks);
    const { violations } = checkPolicy(stacks, 'prod');
    const hit = violations.filter((v) => v.rule === rule);
    expect(hit.map((v) => v.message), JSON.stringify(violations.map((v) => `${v.rule} ${v.message}`))).toContainEqual(expect.stringMatching(message));
    for (const v of hit) {
      expect(v.address).toMatch(/^(terraform\.|[a-z_0-9]+\.)/);
      expect(v.fix.length).toBeGreaterThan(5);
    }
    // one injected fault, one kind of finding: no other rule is set off by it
    expect(new Set(violations.map((v) => v.rule))).toEqual(new Set([rule]));
  });

  it('a literal secret is a violation in every stage, and blocks the output in dev too', () => {
    for (const st of ['dev', 'staging', 'prod'] as const) {
      const stacks = docsOf('dev');
      (stacks[0]!.json as Obj).provider.kubernetes[0].config_context = 'hf_abcdefghijklmnopqrstuvwxyz';
      const found = checkPolicy(stacks, st).violations.filter((v) => v.rule === 'P18');
      expect(found).toHaveLength(1);
      expect(blocksOutput(found[0]!, st)).toBe(true);
    }
    expect(blocksOutput({ rule: 'P12', stack: 'x', address: 'y', message: 'm', fix: 'f' }, 'dev')).toBe(false);
  });
});

describe('reports', () => {
  it('groups violations by stack and rule for a person, with scanner ids and fixes', () => {
    const stacks = docsOf('prod');
    container(stacks).image = 'vllm/vllm-openai:latest';
    const text = formatReport('prod', checkPolicy(stacks, 'prod'));
    expect(text.split('\n').slice(0, 4)).toEqual([
      'prod: policy: 1 violation of 22 rules',
      '  prod-models',
      '    P12 Every image has an explicit tag, never latest [CKV_K8S_14, CKV_K8S_43, KSV-0013]',
      expect.stringMatching(/^ {6}kubernetes_stateful_set_v1\.model-llama-70b_workload_statefulset_[0-9A-F]+: image "vllm\/vllm-openai:latest" has no explicit tag; fix: pin a version tag/),
    ]);
  });

  it('gives CI the same as JSON, exceptions with their reasons', () => {
    const json = reportJson('prod', checkPolicy(docsOf('prod'), 'prod')) as { violations: unknown[]; exceptions: Array<{ reason: string }>; rules: Array<{ id: string; scanners: string[] }> };
    expect(json.violations).toEqual([]);
    expect(json.exceptions.map((e) => e.reason)).toEqual(expect.arrayContaining([EXCEPTIONS[0]!.reason]));
    expect(json.rules.find((r) => r.id === 'P10')?.scanners).toEqual(['CKV2_K8S_6', 'KSV-0038']);
  });
});

describe('raw manifests', () => {
  it('checks the pod templates of a LeaderWorkerSet with the same rules (host namespaces, UID)', async () => {
    const stacks = docsOf('fixture:multi-node');
    const models = stacks.find((s) => s.name === 'multi-node-models')!;
    const lws = Object.values((models.json as any).resource.kubernetes_manifest as Record<string, any>).find((m) => m.manifest.kind === 'LeaderWorkerSet');
    lws.manifest.spec.leaderWorkerTemplate.workerTemplate.spec.hostIPC = true;
    lws.manifest.spec.leaderWorkerTemplate.workerTemplate.spec.securityContext.runAsUser = 0;
    const { violations } = checkPolicy(stacks, 'staging');
    expect(violations.map((v) => `${v.rule} ${v.message}`).sort()).toEqual(['P01 host_ipc is true', 'P03 container "server" runs as UID 0']);
    expect(violations[0]!.address).toMatch(/\(workerTemplate\)$/);
  });
});
