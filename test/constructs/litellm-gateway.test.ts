/**
 * LiteLlmGateway: as the presets use it, alone (Testing.synthScope), and its bootstrap script run for real
 * (python3) against a stub of LiteLLM's management API on loopback: it creates teams and keys once, then only
 * updates them.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Volume } from 'kubernetes-models/v1/Volume';
import { VolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { parse } from 'yaml';
import { CHARTS } from '../../charts/pins';
import { bootstrapSpec, gatewayAddress, LITELLM_IMAGE, LITELLM_UID, LiteLlmGateway, type LiteLlmGatewayProps } from '../../constructs/litellm-gateway';
import { OLLAMA_PORT, OllamaServer } from '../../constructs/ollama-server';
import { TEI_PORT, TeiEmbeddingServer } from '../../constructs/tei-embedding-server';
import { TGI_PORT, TgiServer } from '../../constructs/tgi-server';
import { VLLM_PORT, VllmServer } from '../../constructs/vllm-server';
import { expectResource, onlyReleaseValues, resourcesIn, synthScope } from '../support/construct';
import { tempDir } from '../support/env';
import { REPO } from '../support/paths';
import { helmReleases, presetEnv, releaseValues, resourcesOf, stacksOf, statefulSets, type TfJson } from '../support/synth';
import { readFacts } from '../support/upstream';

const keys = readFacts<Record<string, string[]> & { top_level_keys_other_documented?: Record<string, string> }>('flags/litellm-proxy-config-keys.json');

function gatewayOf(preset: string) {
  const stacks = stacksOf(preset);
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
    expect(values.extraEnvVars.filter((e: any) => /^(HOSTED|PRESIDIO)_/.test(e.name))).toEqual([
      { name: 'HOSTED_GPT_4O_API_KEY', valueFrom: { secretKeyRef: { name: 'openai-api-key', key: 'api-key' } } },
      { name: 'PRESIDIO_ANALYZER_API_BASE', value: 'http://presidio-analyzer.guardrails.svc.cluster.local:3000' },
      { name: 'PRESIDIO_ANONYMIZER_API_BASE', value: 'http://presidio-anonymizer.guardrails.svc.cluster.local:3000' },
    ]);
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
    expect(config.litellm_settings.callbacks[0]).toBe('prometheus');
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
    for (const top of Object.keys(config)) expect([...keys.top_level_keys, ...Object.keys(keys.top_level_keys_other_documented!)]).toContain(top);
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
    // the database, and Presidio for the PII guardrail
    expect((litellm as unknown as { depends_on: string[] }).depends_on).toEqual([
      expect.stringMatching(/^helm_release\.database_release_/),
      expect.stringMatching(/^kubernetes_deployment_v1\.presidio_analyzer_/),
      expect.stringMatching(/^kubernetes_deployment_v1\.presidio_anonymizer_/),
      // the audit callback's ConfigMap (prod ships logs)
      expect.stringMatching(/^kubernetes_config_map_v1\.litellm_audit-callback_/),
    ]);
  });

  it('applies teams, keys, budgets and rate limits with a bootstrap Job, keys by Secret reference', () => {
    const cm = (resourcesOf(tf, 'kubernetes_config_map_v1') as any[]).find((c) => c.data['spec.json'] !== undefined);
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
    const policies = Object.fromEntries((resourcesOf(tf, 'kubernetes_network_policy_v1') as any[]).filter((p) => p.metadata.namespace === 'gateway').map((p) => [p.metadata.name, p.spec]));
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
    const tf = stacksOf('prod')['prod-models']! as TfJson;
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

const MASTER = 'sk-master-test-0000000000';
type Call = { method: string; path: string; body?: any; auth?: string };

describe('gateway bootstrap script', () => {
  let server: Server;
  let port: number;
  const calls: Call[] = [];
  const teams = new Map<string, any>();
  const keys = new Map<string, any>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        const body = text ? JSON.parse(text) : undefined;
        calls.push({ method: req.method!, path: url.pathname, body, auth: req.headers.authorization });
        const send = (status: number, obj: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(obj));
        };
        // Like LiteLLM: readiness needs no key, the management API does.
        if (url.pathname === '/health/readiness') return send(200, { status: 'connected' });
        if (req.headers.authorization !== `Bearer ${MASTER}`) return send(401, { error: 'auth' });
        switch (`${req.method} ${url.pathname}`) {
          case 'GET /team/info':
            return teams.has(url.searchParams.get('team_id')!) ? send(200, teams.get(url.searchParams.get('team_id')!)) : send(404, { error: 'not found' });
          case 'POST /team/new':
          case 'POST /team/update':
            teams.set(body.team_id, body);
            return send(200, body);
          case 'GET /key/info':
            return keys.has(url.searchParams.get('key')!) ? send(200, keys.get(url.searchParams.get('key')!)) : send(404, { error: 'not found' });
          case 'POST /key/generate':
          case 'POST /key/update':
            keys.set(body.key, body);
            return send(200, body);
          default:
            return send(404, { error: 'no route' });
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const { spec, keyEnv } = bootstrapSpec([
    { name: 'search', maxBudget: 500, budgetDuration: '30d', rpmLimit: 600, models: ['llama-70b'], keys: [{ name: 'search-backend', secret: { name: 's', key: 'k' }, tpmLimit: 1000, models: [] }] },
    { name: 'support', models: [], keys: [] },
  ]);

  function run(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    const dir = tempDir('bootstrap-');
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    return new Promise((resolve) => {
      execFile('python3', [join(REPO, 'constructs/assets/litellm-bootstrap.py')], { env: { PATH: process.env.PATH, GATEWAY_URL: `http://127.0.0.1:${port}`, LITELLM_MASTER_KEY: MASTER, BOOTSTRAP_SPEC: specFile, BOOTSTRAP_WAIT_SECONDS: '5', ...env } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('names each key value by an env var only', () => {
    expect(keyEnv).toEqual([{ env: 'KEY_0', secret: { name: 's', key: 'k' } }]);
    expect(JSON.stringify(spec)).not.toContain('sk-');
  });

  it('creates the teams and keys on the first run', async () => {
    const r = await run({ KEY_0: 'sk-search-backend-123456' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['team search: created', 'key search-backend: created', 'team support: created']);
    expect(calls.find((c) => c.path === '/team/new')?.body).toEqual({ team_id: 'search', team_alias: 'search', max_budget: 500, budget_duration: '30d', rpm_limit: 600, models: ['llama-70b'] });
    expect(calls.find((c) => c.path === '/key/generate')?.body).toEqual({ key: 'sk-search-backend-123456', key_alias: 'search-backend', team_id: 'search', tpm_limit: 1000 });
    expect(calls.every((c) => c.auth === `Bearer ${MASTER}`)).toBe(true);
  });

  it('only updates on the second run: idempotent', async () => {
    calls.length = 0;
    const r = await run({ KEY_0: 'sk-search-backend-123456' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['team search: updated', 'key search-backend: updated', 'team support: updated']);
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/team/update', '/key/update', '/team/update']);
    expect(teams.size).toBe(2);
    expect(keys.size).toBe(1);
  });

  it('fails, naming the key, when its Secret does not hold an sk- key', async () => {
    const r = await run({ KEY_0: 'not-a-key' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/key search-backend: the Secret behind KEY_0 must hold a key starting with sk-/);
  });

  it('fails when the gateway refuses the master key', async () => {
    const r = await run({ KEY_0: 'sk-search-backend-123456', LITELLM_MASTER_KEY: 'sk-wrong' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^team search: create: HTTP 401/);
  });
});

describe('LiteLlmGateway alone', () => {
  const base: LiteLlmGatewayProps = {
    namespace: 'gateway',
    replicas: 2,
    masterKeySecret: { name: 'litellm-master', key: 'key' },
    database: { host: 'litellm-db-rw', name: 'litellm', secretName: 'litellm-db-app' },
    servers: [
      { name: 'llama-8b', engine: 'vllm', url: 'http://llama-8b.models.svc.cluster.local:8000' },
      { name: 'bge', engine: 'tei', url: 'http://bge.models.svc.cluster.local:8080' },
    ],
    hostedModels: [{ name: 'gpt-4o', provider: 'openai', model: 'gpt-4o', apiKeySecret: { name: 'openai', key: 'api-key' } }],
    fallbacks: { 'llama-8b': ['gpt-4o'] },
    numRetries: 2,
    timeoutSeconds: 600,
    teams: [],
  };
  const synth = (p: Partial<LiteLlmGatewayProps> = {}) => synthScope((s) => new LiteLlmGateway(s, 'litellm', { ...base, ...p }));

  it('installs the pinned chart as release "litellm", whose Service the gateway address names', () => {
    const json = synth();
    expectResource(json, 'helm_release', { name: 'litellm', namespace: 'gateway', chart: CHARTS.litellm.chart, version: CHARTS.litellm.version, atomic: true, wait: true, timeout: 900 });
    expect(gatewayAddress('gateway')).toBe(`litellm.gateway.svc.cluster.local:${onlyReleaseValues(json).service.port}`);
  });

  it('routes each server and hosted model, with its fallbacks, and reads every key from a Secret by reference', () => {
    const v = onlyReleaseValues(synth());
    expect(v.proxy_config.model_list.map((m: any) => [m.model_name, m.litellm_params.model, m.litellm_params.api_base, m.litellm_params.api_key, m.model_info.mode])).toEqual([
      ['llama-8b', 'hosted_vllm/llama-8b', 'http://llama-8b.models.svc.cluster.local:8000/v1', undefined, 'chat'],
      // TEI's own OpenAI-compatible /v1/embeddings, never the Hugging Face Hub
      ['bge', 'hosted_vllm/bge', 'http://bge.models.svc.cluster.local:8080/v1', undefined, 'embedding'],
      ['gpt-4o', 'openai/gpt-4o', undefined, 'os.environ/HOSTED_GPT_4O_API_KEY', 'chat'],
    ]);
    expect(v.proxy_config.router_settings.fallbacks).toEqual([{ 'llama-8b': ['gpt-4o'] }]);
    expect(v.extraEnvVars).toEqual([{ name: 'HOSTED_GPT_4O_API_KEY', valueFrom: { secretKeyRef: { name: 'openai', key: 'api-key' } } }]);
    expect(v).toMatchObject({ masterkeySecretName: 'litellm-master', masterkeySecretKey: 'key', db: { useExisting: true, endpoint: 'litellm-db-rw', secret: { name: 'litellm-db-app' } } });
  });

  it('routes to server objects (IModelServer): their served name and in-cluster URL, Ollama by its tag', () => {
    let urls: string[] = [];
    const json = synthScope((s) => {
      const pool = { name: 'l4', gpu: 'l4-24gb', gpusPerNode: 2 };
      const vllm = new VllmServer(s, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', pool, name: 'llama-8b' });
      const tgi = new TgiServer(s, 'qwen', { model: 'Qwen/Qwen2.5-7B-Instruct', pool, namespace: 'serving' });
      const ollama = new OllamaServer(s, 'mistral', { model: 'mistralai/Mistral-7B-Instruct-v0.3', pool });
      const tei = new TeiEmbeddingServer(s, 'bge', { name: 'bge', namespace: 'models', model: 'BAAI/bge-large-en-v1.5', replicas: 1, parameters: 335e6 });
      urls = [vllm.url, tgi.url, ollama.url, tei.url];
      new LiteLlmGateway(s, 'litellm', { ...base, servers: [vllm, tgi, ollama, tei, base.servers[0]!], fallbacks: {} });
    });
    // each URL is its Service's in-cluster name and port
    expect(urls).toEqual([
      `http://llama-8b.models.svc.cluster.local:${VLLM_PORT}`,
      `http://qwen2-5-7b-instruct.serving.svc.cluster.local:${TGI_PORT}`,
      `http://mistral-7b-instruct-v0-3.models.svc.cluster.local:${OLLAMA_PORT}`,
      `http://bge.models.svc.cluster.local:${TEI_PORT}`,
    ]);
    const services = resourcesIn(json, 'kubernetes_service_v1') as any[];
    for (const url of urls) {
      const { hostname, port } = new URL(url);
      const [name, namespace] = hostname.split('.');
      const service = services.find((x) => x.metadata.name === name && x.metadata.namespace === namespace);
      expect(service?.spec.port.find((x: any) => x.name === 'http')?.port, url).toBe(Number(port));
    }
    const routes = onlyReleaseValues(json).proxy_config.model_list.map((m: any) => [m.model_name, m.litellm_params.model, m.litellm_params.api_base, m.model_info.mode]);
    expect(routes).toEqual([
      ['llama-8b', 'hosted_vllm/llama-8b', `${urls[0]}/v1`, 'chat'],
      ['qwen2-5-7b-instruct', 'hosted_vllm/qwen2-5-7b-instruct', `${urls[1]}/v1`, 'chat'],
      ['mistral-7b-instruct-v0-3', 'ollama_chat/mistral:7b-instruct-v0.3-q4_K_M', urls[2], 'chat'],
      ['bge', 'hosted_vllm/bge', `${urls[3]}/v1`, 'embedding'],
      // a plain entry still works beside them
      ['llama-8b', 'hosted_vllm/llama-8b', 'http://llama-8b.models.svc.cluster.local:8000/v1', 'chat'],
      ['gpt-4o', 'openai/gpt-4o', undefined, 'chat'],
    ]);
  });

  it('runs the pinned non-root image as its numeric user, the migration hook included', () => {
    const v = onlyReleaseValues(synth());
    expect(v.image).toMatchObject({ repository: LITELLM_IMAGE.repository, tag: LITELLM_IMAGE.tag });
    expect(v.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: LITELLM_UID });
    expect(v.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: LITELLM_UID, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('has a PodDisruptionBudget and spreads over nodes only with more than one replica', () => {
    expect(onlyReleaseValues(synth()).pdb).toEqual({ enabled: true, maxUnavailable: 1 });
    expect(onlyReleaseValues(synth()).topologySpreadConstraints).toHaveLength(1);
    const one = onlyReleaseValues(synth({ replicas: 1 }));
    expect(one.pdb.enabled).toBe(false);
    expect(one.topologySpreadConstraints).toEqual([]);
  });

  it('runs no bootstrap Job without teams', () => {
    expect(resourcesIn(synth(), 'kubernetes_job_v1')).toEqual([]);
  });

  it('applies teams and keys with a bootstrap Job after the release, each key value only by Secret reference', () => {
    const json = synth({
      teams: [{ name: 'research', maxBudget: 100, budgetDuration: '30d', models: ['llama-8b'], keys: [{ name: 'alice', secret: { name: 'alice-key', key: 'key' }, rpmLimit: 60, models: [] }] }],
    });
    const [job] = resourcesIn(json, 'kubernetes_job_v1');
    expect(job!.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^helm_release\.litellm_release_/)]));
    const env = job!.spec.template.spec.container[0].env;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'LITELLM_MASTER_KEY', value_from: { secret_key_ref: { name: 'litellm-master', key: 'key' } } },
        { name: 'KEY_0', value_from: { secret_key_ref: { name: 'alice-key', key: 'key' } } },
      ]),
    );
    const [files] = resourcesIn(json, 'kubernetes_config_map_v1').filter((c) => c.data['spec.json']);
    expect(JSON.parse(files!.data['spec.json'])).toEqual({
      teams: [{ team_id: 'research', max_budget: 100, budget_duration: '30d', models: ['llama-8b'], keys: [{ key_alias: 'alice', env: 'KEY_0', rpm_limit: 60 }] }],
    });
  });
});

describe('PII guardrail in the LiteLLM config', () => {
  type Key = { key: string };
  const g = readFacts<{
    top_level_key: { key: string };
    guardrails_list_entry_keys: Key[];
    guardrail_litellm_params_common: Key[];
    guardrail_litellm_params_presidio: Key[];
    guardrail_modes: { presidio_supported: string[] };
    pii_actions: { values: string[] };
    supported_guardrail_integrations: { values: string[] };
    presidio_env_vars: Key[];
  }>('flags/litellm-proxy-config-keys-guardrails-callbacks.json');
  const presidio = readFacts<{ entities: { default_en: string[] } }>('flags/presidio-2.2.363.json');
  const { config, values } = gatewayOf('prod');
  const env = presetEnv('prod');

  it("renders the environment's guardrail under LiteLLM's top-level guardrails key, every key one LiteLLM reads", () => {
    expect(Object.keys(config)).toContain(g.top_level_key.key);
    const [entry] = config.guardrails;
    expect(config.guardrails).toHaveLength(env.gateway.guardrails.length);
    for (const k of Object.keys(entry)) expect(g.guardrails_list_entry_keys.map((x) => x.key)).toContain(k);
    const params = [...g.guardrail_litellm_params_common, ...g.guardrail_litellm_params_presidio].map((x) => x.key);
    for (const k of Object.keys(entry.litellm_params)) expect(params).toContain(k);
    expect(g.supported_guardrail_integrations.values).toContain(entry.litellm_params.guardrail);
    expect(g.guardrail_modes.presidio_supported).toContain(entry.litellm_params.mode);
    const spec = env.gateway.guardrails[0]!;
    expect(entry.guardrail_name).toBe(spec.name);
    expect(Object.keys(entry.litellm_params.pii_entities_config).sort()).toEqual([...spec.entities].sort());
    for (const [entity, action] of Object.entries(entry.litellm_params.pii_entities_config)) {
      expect(presidio.entities.default_en).toContain(entity);
      expect(g.pii_actions.values).toContain(action);
      expect(action).toBe(spec.action.toUpperCase());
    }
  });

  it('runs before every request, since the pinned LiteLLM ignores model-level guardrails before the call', () => {
    // LiteLLM #29652 (2026-06-04, checked at v1.87): the proxy merges litellm_params.guardrails only on post_call
    // paths, so a pre_call guardrail named on a model never runs at v1.81.9; /v1/messages skips them even after
    // the fix (#36085). default_on is the one switch that reaches every call that leaves the cluster.
    expect(LITELLM_IMAGE.tag).toBe('main-v1.81.9-stable');
    for (const entry of config.guardrails) expect(entry.litellm_params.default_on).toBe(true);
    // and no route carries a model-level list that would look like protection and is not
    for (const m of config.model_list) expect(m.litellm_params.guardrails, m.model_name).toBeUndefined();
  });

  it('points LiteLLM at Presidio through the env vars its presidio hook reads', () => {
    const names = values.extraEnvVars.map((e: { name: string }) => e.name);
    for (const v of g.presidio_env_vars) expect(names).toContain(v.key);
  });

  it('turns a guardrail with appliesTo: all on for every request (default_on), and names it on no route', () => {
    const json = synthScope((s) =>
      new LiteLlmGateway(s, 'gw', {
        namespace: 'gateway', replicas: 1, masterKeySecret: { name: 'm', key: 'k' }, database: { host: 'db', name: 'litellm', secretName: 'db' },
        servers: [{ name: 'llama', engine: 'vllm', url: 'http://llama.models.svc.cluster.local:8000' }], fallbacks: {}, numRetries: 0, timeoutSeconds: 60, teams: [],
        guardrails: [{ name: 'pii-all', entities: ['PERSON'], action: 'block', appliesTo: 'all' }],
        presidio: { analyzerUrl: 'http://a:3000', anonymizerUrl: 'http://b:3000' },
      }),
    );
    const config = onlyReleaseValues(json).proxy_config;
    expect(config.guardrails[0].litellm_params).toMatchObject({ default_on: true, pii_entities_config: { PERSON: 'BLOCK' } });
    for (const m of config.model_list) expect(m.litellm_params.guardrails).toBeUndefined();
  });

  it('fails when guardrails are given without Presidio', () => {
    expect(() =>
      synthScope((s) =>
        new LiteLlmGateway(s, 'gw', {
          namespace: 'gateway', replicas: 1, masterKeySecret: { name: 'm', key: 'k' }, database: { host: 'db', name: 'litellm', secretName: 'db' },
          servers: [], fallbacks: {}, numRetries: 0, timeoutSeconds: 60, teams: [], guardrails: [{ name: 'pii', entities: ['PERSON'], action: 'mask', appliesTo: 'hosted' }],
        }),
      ),
    ).toThrow(/\(LiteLlmGateway\): props\.presidio: missing: PII guardrails need Presidio; pass presidio: \{ analyzerUrl, anonymizerUrl \}/);
  });
});

const AUDIT_SOURCE = readFileSync(join(REPO, 'constructs/assets/litellm-audit-log.py'), 'utf8');

/** The audit callback's ConfigMap, volume and mount, and the callback entry, in a gateway stack. */
function auditWiring(tf: TfJson) {
  const litellm = helmReleases(tf).find((r) => r.chart === 'litellm-helm')!;
  const values = releaseValues(litellm) as any;
  const maps = (resourcesOf(tf, 'kubernetes_config_map_v1') as any[]).filter((c) => c.data['audit_log.py'] !== undefined);
  return { values, litellm, maps, callbacks: values.proxy_config.litellm_settings.callbacks as string[] };
}

describe('per-request audit record on stdout (where logs ship)', () => {
  it('prod: the callback file is mounted beside the config LiteLLM reads, and registered as a callback', () => {
    const tf = stacksOf('prod')['prod-gateway']!;
    const { values, litellm, maps, callbacks } = auditWiring(tf);
    expect(maps).toHaveLength(1);
    const cm = maps[0]!;
    expect(cm.metadata.namespace).toBe('gateway');
    expect(cm.data['audit_log.py']).toBe(AUDIT_SOURCE);
    // "<module>.<instance>": LiteLLM loads <config dir>/<module>.py (get_instance_fn); the chart's container runs
    // `--config /etc/litellm/config.yaml` (templates/deployment.yaml), so the module must be /etc/litellm/audit_log.py.
    const entry = callbacks.find((c) => !['prometheus', 'langfuse', 'otel'].includes(c))!;
    // beside prometheus and the tracing callback
    expect(callbacks).toEqual(['prometheus', expect.stringMatching(/^(langfuse|otel)$/), entry]);
    const [module, instance] = entry.split('.');
    expect(AUDIT_SOURCE).toMatch(new RegExp(`^${instance} = AuditLogger\\(\\)$`, 'm'));
    const mount = (values.volumeMounts as any[]).find((m) => m.mountPath === `/etc/litellm/${module}.py`);
    expect(mount).toMatchObject({ subPath: `${module}.py`, readOnly: true });
    const volume = (values.volumes as any[]).find((v) => v.name === mount.name);
    expect(volume.configMap).toEqual({ name: cm.metadata.name, items: [{ key: 'audit_log.py', path: `${module}.py` }] });
    // the chart copies both lists verbatim into the Deployment (toYaml): they must be valid Kubernetes objects
    const valid = (o: unknown) => (o as { validate(): void }).validate();
    for (const v of values.volumes) expect(() => valid(new Volume(v))).not.toThrow();
    for (const m of values.volumeMounts) expect(() => valid(new VolumeMount(m))).not.toThrow();
    expect(() => valid(new VolumeMount({ ...mount, mountPath: 7 } as never))).toThrow();
    // The pods start after the ConfigMap exists.
    expect((litellm as unknown as { depends_on: string[] }).depends_on).toContainEqual(expect.stringMatching(/^kubernetes_config_map_v1\.litellm_audit-callback_/));
    // prompts stay out; the self-hosted groups are exactly the routes without a provider key
    const env = Object.fromEntries((values.extraEnvVars as any[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(env.AUDIT_LOG_PROMPT_BODIES).toBe('false');
    const selfHosted = values.proxy_config.model_list.filter((m: any) => m.litellm_params.api_key === undefined).map((m: any) => m.model_name);
    expect(JSON.parse(env.AUDIT_SELF_HOSTED_MODEL_GROUPS)).toEqual(selfHosted);
    expect(selfHosted).not.toContain('gpt-4o');
  });

  it('presets without a log sink have no audit callback, file or mount', () => {
    for (const preset of ['dev', 'staging']) {
      const { values, maps, callbacks } = auditWiring(stacksOf(preset)[`${preset}-gateway`]!);
      expect(maps).toHaveLength(0);
      expect(callbacks.some((c) => c.includes('audit'))).toBe(false);
      expect(values.volumes ?? []).toEqual([]);
      expect(values.volumeMounts ?? []).toEqual([]);
    }
  });

  it('alone: auditLog on adds it, logPromptBodies reaches the callback', () => {
    const base: LiteLlmGatewayProps = {
      namespace: 'gw', replicas: 1, masterKeySecret: { name: 'm', key: 'k' }, database: { host: 'db', name: 'litellm', secretName: 'db-app' },
      servers: [{ name: 'llama-8b', engine: 'vllm', url: 'http://llama-8b.models.svc.cluster.local:8000' }],
      hostedModels: [{ name: 'gpt-4o', provider: 'openai', model: 'gpt-4o', apiKeySecret: { name: 'openai', key: 'api-key' } }],
      fallbacks: {}, numRetries: 1, timeoutSeconds: 60, teams: [],
    };
    const off = synthScope((s) => new LiteLlmGateway(s, 'litellm', base));
    expect(resourcesIn(off, 'kubernetes_config_map_v1')).toHaveLength(0);
    const on = synthScope((s) => new LiteLlmGateway(s, 'litellm', { ...base, auditLog: true, logPromptBodies: true }));
    expect(resourcesIn(on, 'kubernetes_config_map_v1')).toHaveLength(1);
    const v = onlyReleaseValues(on);
    expect(v.proxy_config.litellm_settings.callbacks).toEqual(['prometheus', 'audit_log.audit_logger']);
    expect(v.extraEnvVars).toContainEqual({ name: 'AUDIT_LOG_PROMPT_BODIES', value: 'true' });
    expect(v.extraEnvVars).toContainEqual({ name: 'AUDIT_SELF_HOSTED_MODEL_GROUPS', value: '["llama-8b"]' });
  });
});

/** A StandardLoggingPayload (litellm/types/utils.py) as the proxy passes it, with a masked PII guardrail. */
const SAMPLE_PAYLOAD = {
  id: 'chatcmpl-7f3a', trace_id: 'tr-1', call_id: 'call-1', call_type: 'acompletion', stream: false,
  response_cost: 0.00042, status: 'success', custom_llm_provider: 'openai',
  total_tokens: 130, prompt_tokens: 100, completion_tokens: 30,
  startTime: 1767225600.0, endTime: 1767225601.25, completionStartTime: 1767225600.5, response_time: 1.25,
  model: 'gpt-4o', model_id: 'dep-9', model_group: 'gpt-4o', api_base: 'https://api.openai.com/v1',
  metadata: {
    user_api_key_hash: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b', user_api_key_alias: 'support-bot',
    user_api_key_team_id: 'support', user_api_key_team_alias: 'Support', user_api_key_user_id: 'u-17', user_api_key_end_user_id: null,
    requester_ip_address: '10.0.0.9',
  },
  cache_hit: false, cache_key: null, saved_cache_cost: 0, request_tags: [], end_user: 'customer-42',
  messages: [{ role: 'user', content: 'my card is 4111 1111 1111 1111' }], response: { choices: [{ message: { content: 'noted' } }] },
  error_str: null, error_information: { error_code: '', error_class: '' }, model_parameters: {}, hidden_params: {},
  guardrail_information: [{ guardrail_name: 'pii', guardrail_provider: 'presidio', guardrail_mode: 'pre_call', guardrail_status: 'guardrail_intervened', masked_entity_count: { CREDIT_CARD: 1 }, duration: 0.012, guardrail_request: { text: 'my card is 4111 1111 1111 1111' } }],
};

/** Loads the callback as the proxy does (spec_from_file_location) with a stub CustomLogger, feeds it events. */
const DRIVER = `
import asyncio, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("audit_log", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
events = json.load(open(sys.argv[2]))
logger = module.audit_logger
async def main():
    for kind, kwargs in events:
        handler = logger.async_log_success_event if kind == "success" else logger.async_log_failure_event
        await handler(kwargs, None, None, None)
asyncio.run(main())
`;

function runCallback(events: Array<[string, unknown]>, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  const dir = tempDir();
  mkdirSync(join(dir, 'stub', 'litellm', 'integrations'), { recursive: true });
  writeFileSync(join(dir, 'stub', 'litellm', '__init__.py'), '');
  writeFileSync(join(dir, 'stub', 'litellm', 'integrations', '__init__.py'), '');
  writeFileSync(join(dir, 'stub', 'litellm', 'integrations', 'custom_logger.py'), 'class CustomLogger:\n    def __init__(self, **kwargs):\n        pass\n');
  writeFileSync(join(dir, 'driver.py'), DRIVER);
  writeFileSync(join(dir, 'events.json'), JSON.stringify(events));
  return new Promise((resolve, reject) => {
    execFile('python3', [join(dir, 'driver.py'), join(REPO, 'constructs/assets/litellm-audit-log.py'), join(dir, 'events.json')], { env: { PATH: process.env.PATH, PYTHONPATH: join(dir, 'stub'), PYTHONDONTWRITEBYTECODE: '1', ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

describe('audit callback run (python3, stub CustomLogger)', () => {
  it('prints exactly one JSON line per request with who, model, tokens, cost, status, latency, cache and guardrail; no bodies, no key', async () => {
    const { stdout, stderr } = await runCallback([['success', { standard_logging_object: SAMPLE_PAYLOAD, api_key: 'sk-should-never-appear' }]], { AUDIT_SELF_HOSTED_MODEL_GROUPS: '["llama-8b"]' });
    expect(stderr).toBe('');
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0]!);
    expect(r).toEqual({
      type: 'litellm.audit', time: '2026-01-01T00:00:01.250Z', request_id: 'chatcmpl-7f3a', trace_id: 'tr-1', call_type: 'acompletion',
      team_id: 'support', team_alias: 'Support', key_alias: 'support-bot', key_hash: SAMPLE_PAYLOAD.metadata.user_api_key_hash,
      user: 'u-17', end_user: 'customer-42', model_group: 'gpt-4o', model: 'gpt-4o', model_id: 'dep-9', provider: 'openai', deployment: 'hosted',
      prompt_tokens: 100, completion_tokens: 30, total_tokens: 130, cost: 0.00042, status: 'success', error_class: '', error_code: '',
      latency_ms: 1250, cache_hit: false,
      guardrails: [{ name: 'pii', provider: 'presidio', mode: 'pre_call', status: 'guardrail_intervened', action: null, masked_entity_count: { CREDIT_CARD: 1 }, duration_s: 0.012 }],
    });
    expect(stdout).not.toContain('4111');
    expect(stdout).not.toContain('noted');
    expect(stdout).not.toContain('sk-should-never-appear');
  });

  it('carries messages and response only when AUDIT_LOG_PROMPT_BODIES is true; records failures with their error class', async () => {
    const failure = { ...SAMPLE_PAYLOAD, status: 'failure', model_group: 'llama-8b', response_cost: 0, error_information: { error_class: 'RateLimitError', error_code: '429' }, guardrail_information: null };
    const { stdout } = await runCallback([['success', { standard_logging_object: SAMPLE_PAYLOAD }], ['failure', { standard_logging_object: failure }]], { AUDIT_LOG_PROMPT_BODIES: 'true', AUDIT_SELF_HOSTED_MODEL_GROUPS: '["llama-8b"]' });
    const [ok, failed] = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(ok.messages).toEqual(SAMPLE_PAYLOAD.messages);
    expect(ok.response).toEqual(SAMPLE_PAYLOAD.response);
    expect(failed).toMatchObject({ status: 'failure', error_class: 'RateLimitError', error_code: '429', deployment: 'self-hosted', guardrails: [] });
  });

  it('never raises: a malformed payload gives a warning on stderr and no line; a missing payload gives nothing', async () => {
    const { stdout, stderr } = await runCallback([['success', { standard_logging_object: { ...SAMPLE_PAYLOAD, metadata: 'not-a-dict' } }], ['failure', {}], ['success', { standard_logging_object: SAMPLE_PAYLOAD }]]);
    expect(stderr).toMatch(/^WARNING audit_log: record not written: AttributeError/);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });
});
