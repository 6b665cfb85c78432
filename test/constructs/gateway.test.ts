import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { helmReleases, presetEnv, releaseValues, resourcesOf, statefulSets, synthEnvJson, type TfJson } from '../support/synth';
import { readFacts } from '../support/upstream';

const keys = readFacts<Record<string, string[]>>('flags/litellm-proxy-config-keys.json');

function gatewayOf(preset: string) {
  const stacks = synthEnvJson(presetEnv(preset));
  const tf = stacks[`${preset}-gateway`]!;
  const litellm = helmReleases(tf).find((r) => r.chart === 'litellm-helm')!;
  const values = releaseValues(litellm) as any;
  return { stacks, tf, litellm, values, config: values.proxy_config };
}

describe('LiteLLM gateway of the prod preset', () => {
  const { stacks, tf, litellm, values, config } = gatewayOf('prod');

  it('routes every model and embedding server to its in-cluster Service, and the hosted model by env key', () => {
    const routes = Object.fromEntries(config.model_list.map((m: any) => [m.model_name, m.litellm_params]));
    expect(routes['llama-70b']).toEqual({ model: 'hosted_vllm/llama-70b', api_base: 'http://llama-70b.models.svc.cluster.local:8000/v1', drop_params: true });
    expect(routes['gpt-oss-120b'].api_base).toBe('http://gpt-oss-120b.models.svc.cluster.local:8000/v1');
    expect(routes['bge-large']).toEqual({ model: 'hosted_vllm/bge-large', api_base: 'http://bge-large.models.svc.cluster.local:8000/v1', drop_params: true });
    expect(routes['gpt-4o']).toMatchObject({ model: 'openai/gpt-4o', api_key: 'os.environ/HOSTED_GPT_4O_API_KEY' });
    expect(Object.keys(routes).sort()).toEqual(['bge-large', 'gpt-4o', 'gpt-oss-120b', 'llama-70b', 'qwen-7b']);
    expect(values.extraEnvVars).toEqual([{ name: 'HOSTED_GPT_4O_API_KEY', valueFrom: { secretKeyRef: { name: 'openai-api-key', key: 'api-key' } } }]);
  });

  it("routes embeddings to TEI's own OpenAI-compatible /v1/embeddings, never through the Hugging Face Hub", () => {
    // LiteLLM's huggingface/ provider calls the Hub for every request (fails air-gapped); TEI serves
    // /v1/embeddings itself (router/src/http/server.rs), under the name it is served as (--served-model-name).
    const models = statefulSets(stacks['prod-models']!);
    const embeddings = config.model_list.filter((m: any) => m.model_info.mode === 'embedding');
    expect(embeddings.length).toBeGreaterThan(0);
    for (const m of embeddings) {
      const server = models[m.model_name]!.spec.template.spec.container[0]!;
      const served = server.args[server.args.indexOf('--served-model-name') + 1];
      const port = server.args[server.args.indexOf('--port') + 1];
      expect(m.litellm_params).toEqual({ model: `hosted_vllm/${served}`, api_base: `http://${m.model_name}.models.svc.cluster.local:${port}/v1`, drop_params: true });
    }
    for (const m of config.model_list) expect(m.litellm_params.model).not.toMatch(/^huggingface\//);
  });

  it('declares the fallbacks of the environment, in order', () => {
    expect(config.router_settings.fallbacks).toEqual([{ 'gpt-oss-120b': ['llama-70b'] }, { 'llama-70b': ['gpt-oss-120b', 'gpt-4o'] }]);
    expect(config.router_settings.num_retries).toBe(2);
  });

  it('takes the master key and the database password only by reference', () => {
    expect(values.masterkeySecretName).toBe('litellm-master-key');
    expect(config.general_settings.master_key).toBe('os.environ/PROXY_MASTER_KEY');
    expect(values.db).toEqual({ useExisting: true, deployStandalone: false, endpoint: 'litellm-db-rw', database: 'litellm', secret: { name: 'litellm-db-app', usernameKey: 'username', passwordKey: 'password' } });
    expect(litellm.values.join('\n')).not.toMatch(/sk-[A-Za-z0-9]|password:/);
  });

  it('turns the metrics endpoint on, runs non-root with three replicas spread over nodes and a PDB', () => {
    expect(config.litellm_settings.callbacks).toEqual(['prometheus']);
    expect(values.replicaCount).toBe(3);
    expect(values.pdb).toEqual({ enabled: true, maxUnavailable: 1 });
    expect(values.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    expect(values.serviceAccount).toEqual({ create: true, automount: false });
    expect(values.image).toEqual({ repository: 'ghcr.io/berriai/litellm-non_root', tag: 'main-v1.81.9-stable', pullPolicy: 'IfNotPresent' });
  });

  it("runs the migration hook as the image's numeric user: the chart copies only the container securityContext to it", () => {
    // litellm-helm templates/migrations-job.yaml (BerriAI/litellm 3dd55a7b) renders `securityContext: toYaml .Values.securityContext`
    // and no pod securityContext; the image's USER is the name `nobody`, which runAsNonRoot cannot verify.
    const facts = readFacts<{ images: Record<string, { uid: number; gid: number; userIsNumeric: boolean }> }>('images.json').images[`${values.image.repository}:${values.image.tag}`]!;
    expect(facts.userIsNumeric).toBe(false);
    expect(values.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: facts.uid, runAsGroup: facts.gid, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: facts.uid, runAsGroup: facts.gid });
  });

  it('retries the migration hook for as long as Helm waits, so a database still bootstrapping does not roll the release back', () => {
    // The hook Job (restartPolicy OnFailure) backs off 10 s, 20 s, ... capped at 6 min per retry; the chart's default
    // backoffLimit 4 gives up after about 5 min, while a fresh 3-instance CloudNativePG cluster can take longer.
    const release = helmReleases(tf).find((r) => r.chart === 'litellm-helm')!;
    const backoff = (n: number) => Array.from({ length: n }, (_, i) => Math.min(10 * 2 ** i, 360)).reduce((a, b) => a + b, 0);
    expect(values.migrationJob.backoffLimit).toBeGreaterThan(4);
    expect(backoff(values.migrationJob.backoffLimit)).toBeGreaterThanOrEqual(release.timeout);
  });

  it('writes only config keys LiteLLM documents (upstream proxy config keys)', () => {
    for (const top of Object.keys(config)) expect(keys.top_level_keys).toContain(top);
    for (const k of Object.keys(config.litellm_settings)) expect(keys.litellm_settings).toContain(k);
    for (const k of Object.keys(config.general_settings)) expect(keys.general_settings).toContain(k);
    for (const k of Object.keys(config.router_settings)) expect(keys.router_settings).toContain(k);
    for (const m of config.model_list) {
      for (const k of Object.keys(m)) expect(keys.model_list_entry_keys).toContain(k);
      for (const k of Object.keys(m.litellm_params)) expect(keys.litellm_params_known).toContain(k);
      for (const k of Object.keys(m.model_info)) expect(keys.model_info_known).toContain(k);
    }
  });

  it('provisions its Postgres on CloudNativePG with three instances, kept on destroy in prod', () => {
    const db = helmReleases(tf).find((r) => r.chart === 'cluster')!;
    const v = releaseValues(db) as any;
    expect(v.cluster).toMatchObject({ instances: 3, enableSuperuserAccess: false, initdb: { database: 'litellm', owner: 'litellm' }, storage: { size: '50Gi' } });
    expect((db as unknown as { lifecycle?: { prevent_destroy?: boolean } }).lifecycle?.prevent_destroy).toBe(true);
    expect((litellm as unknown as { depends_on: string[] }).depends_on).toEqual([expect.stringMatching(/^helm_release\.database_release_/)]);
  });

  it('applies teams, keys, budgets and rate limits with a bootstrap Job, keys by Secret reference', () => {
    const [cm] = resourcesOf(tf, 'kubernetes_config_map_v1') as any[];
    const spec = JSON.parse(cm.data['spec.json']);
    expect(spec.teams).toEqual([
      {
        team_id: 'search', max_budget: 2000, budget_duration: '30d', rpm_limit: 1200, tpm_limit: 2000000, models: ['llama-70b', 'gpt-oss-120b', 'bge-large'],
        keys: [
          { key_alias: 'search-backend', env: 'KEY_0' },
          { key_alias: 'search-indexer', env: 'KEY_1', rpm_limit: 300, models: ['bge-large'] },
        ],
      },
      { team_id: 'support', max_budget: 500, budget_duration: '30d', rpm_limit: 300, models: ['llama-70b', 'qwen-7b', 'gpt-4o'], keys: [{ key_alias: 'support-bot', env: 'KEY_2' }] },
    ]);
    const [job] = resourcesOf(tf, 'kubernetes_job_v1') as any[];
    expect(job.metadata.name).toBe(cm.metadata.name);
    expect(job.wait_for_completion).toBe(true);
    const env = job.spec.template.spec.container[0].env;
    expect(env).toContainEqual({ name: 'KEY_2', value_from: { secret_key_ref: { name: 'gateway-key-support-bot', key: 'key' } } });
    expect(env).toContainEqual({ name: 'LITELLM_MASTER_KEY', value_from: { secret_key_ref: { name: 'litellm-master-key', key: 'master-key' } } });
    expect(job.spec.template.spec.security_context).toMatchObject({ run_as_non_root: true });
  });

  it('lets only the edge (and its own pods, and the Postgres operator) reach the gateway namespace', () => {
    const policies = Object.fromEntries((resourcesOf(tf, 'kubernetes_network_policy_v1') as any[]).map((p) => [p.metadata.name, p.spec]));
    expect(Object.keys(policies).sort()).toEqual(['allow-cnpg-operator', 'allow-edge', 'allow-monitoring', 'allow-same-namespace', 'default-deny-ingress']);
    expect(policies['default-deny-ingress']).toEqual({ pod_selector: {}, policy_types: ['Ingress'] });
    expect(policies['allow-edge']).toEqual({
      pod_selector: { match_labels: { 'app.kubernetes.io/name': 'litellm' } },
      policy_types: ['Ingress'],
      ingress: [{ from: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'edge' } }, pod_selector: { match_labels: { 'app.kubernetes.io/name': 'edge' } } }], ports: [{ port: '4000', protocol: 'TCP' }] }],
    });
    // the gateway's Service is cluster-internal
    expect(values.service).toEqual({ type: 'ClusterIP', port: 4000 });
  });
});

describe('gateway of the other presets', () => {
  it('dev runs one replica on a one-instance Postgres, no teams, no bootstrap', () => {
    const { tf, values } = gatewayOf('dev');
    expect(values.replicaCount).toBe(1);
    expect(resourcesOf(tf, 'kubernetes_job_v1')).toHaveLength(0);
    const db = releaseValues(helmReleases(tf).find((r) => r.chart === 'cluster')!) as any;
    expect(db.cluster.instances).toBe(1);
  });

  it('staging falls back from Llama to Mistral, then to a hosted model', () => {
    const { config } = gatewayOf('staging');
    expect(config.router_settings.fallbacks).toEqual([{ 'llama-8b': ['mistral-7b', 'gpt-4o-mini'] }]);
  });
});

describe('model servers are reachable from the gateway only', () => {
  it('allows the gateway pods to the servers ports, and nothing else', () => {
    const tf = synthEnvJson(presetEnv('prod'))['prod-models']! as TfJson;
    const policies = Object.fromEntries((resourcesOf(tf, 'kubernetes_network_policy_v1') as any[]).map((p) => [p.metadata.name, p.spec]));
    expect(Object.keys(policies).sort()).toEqual(['allow-gateway', 'allow-monitoring', 'default-deny-ingress']);
    expect(policies['allow-monitoring'].ingress[0]).toEqual({ from: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: '8000', protocol: 'TCP' }] });
    expect(policies['allow-gateway'].ingress[0].ports).toEqual([{ port: '8000', protocol: 'TCP' }]);
    expect(policies['allow-gateway'].ingress[0].from[0].namespace_selector).toEqual({ match_labels: { 'kubernetes.io/metadata.name': 'gateway' } });
  });
});

it('renders no plain YAML secret into any gateway value', () => {
  for (const preset of ['dev', 'staging', 'prod']) {
    for (const r of helmReleases(gatewayOf(preset).tf)) expect(JSON.stringify(parse(r.values[0]!))).not.toMatch(/NoTaGrEaTpAsSwOrD|eXaMpLeOnLy|sk-[A-Za-z0-9]/);
  }
});
