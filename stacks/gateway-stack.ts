import { hostedKeyEnvName, type GatewayRoute, type SecretEnv } from '../charts/litellm';
import { MODELS } from '../catalog/models';
import { LiteLlmGateway } from '../constructs/litellm-gateway';
import { NamespaceIsolation } from '../constructs/namespace-isolation';
import { OLLAMA_PORT } from '../constructs/ollama-server';
import { PostgresCluster } from '../constructs/postgres-cluster';
import type { Construct } from '../lib/cdktf';
import { TEI_PORT } from '../constructs/tei-embedding-server';
import { VLLM_PORT } from '../constructs/vllm-server';
import type { Environment } from '../environments/schema';
import { MODELS_NAMESPACE } from './models-stack';
import { NAMESPACES } from './namespaces';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';

export const GATEWAY_NAMESPACE = NAMESPACES.gateway;
export const EDGE_NAMESPACE = NAMESPACES.edge;
export const CNPG_NAMESPACE = NAMESPACES.cnpg;
const DB_NAME = 'litellm-db';

const serviceUrl = (name: string, port: number) => `http://${name}.${MODELS_NAMESPACE}.svc.cluster.local:${port}`;

/** The gateway's model list: every model and embedding server in the cluster, and the hosted models. */
export function gatewayRoutes(env: Environment): { routes: GatewayRoute[]; secretEnv: SecretEnv[] } {
  const routes: GatewayRoute[] = env.models.map((m) =>
    m.engine === 'ollama'
      ? { name: m.name, model: `ollama_chat/${MODELS[m.model]?.ollamaTag ?? m.model}`, apiBase: serviceUrl(m.name, OLLAMA_PORT), mode: 'chat' }
      : // vLLM and TGI both speak the OpenAI API under /v1.
        { name: m.name, model: `hosted_vllm/${m.name}`, apiBase: `${serviceUrl(m.name, VLLM_PORT)}/v1`, mode: 'chat' },
  );
  // TEI serves OpenAI's /v1/embeddings itself (router/src/http/server.rs), under its --served-model-name (the
  // server's name). Not LiteLLM's huggingface/ provider: it calls the Hugging Face Hub on every request.
  for (const e of env.embeddings) routes.push({ name: e.name, model: `hosted_vllm/${e.name}`, apiBase: `${serviceUrl(e.name, TEI_PORT)}/v1`, mode: 'embedding' });
  const secretEnv: SecretEnv[] = [];
  for (const h of env.gateway.hostedModels) {
    const prefix = h.provider === 'openai-compatible' ? 'openai' : h.provider;
    routes.push({ name: h.name, model: `${prefix}/${h.model}`, apiBase: h.apiBase, apiKeyEnv: hostedKeyEnvName(h.name), mode: 'chat' });
    secretEnv.push({ name: hostedKeyEnvName(h.name), secret: h.apiKeySecret });
  }
  return { routes, secretEnv };
}

/**
 * The front door's gateway: LiteLLM with its Postgres, teams and keys, in a namespace only the edge (and the
 * gateway's own pods) may reach: `<env>-gateway`.
 */
export class GatewayStack extends EnvironmentStack {
  /** The namespace (created by the namespaces stack). */
  readonly namespace: string = GATEWAY_NAMESPACE;
  readonly database: PostgresCluster;
  readonly gateway: LiteLlmGateway;
  readonly isolation: NamespaceIsolation;

  constructor(scope: Construct, env: Environment) {
    super(scope, env, 'gateway');
    const g = env.gateway;
    this.database = new PostgresCluster(this, 'database', {
      name: DB_NAME,
      namespace: this.namespace,
      instances: g.database.instances ?? { dev: 1, staging: 2, prod: 3 }[env.stage],
      database: 'litellm',
      owner: 'litellm',
      storageGiB: g.database.storageGiB,
      storageClass: g.database.storageClass,
      preventDestroy: env.stage === 'prod',
    });
    const { routes, secretEnv } = gatewayRoutes(env);
    const ns = this.namespace;
    this.usesSecret({ namespace: ns, name: g.masterKeySecret.name, keys: { [g.masterKeySecret.key]: FILL.litellmKey }, reader: 'LiteLLM gateway and its bootstrap Job (master key)' });
    for (const h of g.hostedModels) this.usesSecret({ namespace: ns, name: h.apiKeySecret.name, keys: { [h.apiKeySecret.key]: FILL.placeholder(`${h.provider} API key`) }, reader: `LiteLLM gateway (hosted model ${h.name})` });
    for (const t of g.teams) for (const k of t.keys) this.usesSecret({ namespace: ns, name: k.secret.name, keys: { [k.secret.key]: FILL.litellmKey }, reader: `gateway bootstrap Job (team ${t.name}, key ${k.name})` });
    this.usesSecret({ namespace: ns, name: this.database.appSecretName, keys: { username: FILL.random, password: FILL.random }, reader: 'LiteLLM gateway (database)', createdBy: 'CloudNativePG' });
    this.gateway = new LiteLlmGateway(this, 'litellm', {
      namespace: this.namespace,
      replicas: g.replicas ?? (env.stage === 'dev' ? 1 : 2),
      masterKeySecret: g.masterKeySecret,
      database: { host: this.database.host, name: this.database.database, secretName: this.database.appSecretName },
      routes,
      fallbacks: Object.fromEntries(env.models.filter((m) => m.fallbacks.length > 0).map((m) => [m.name, m.fallbacks])),
      numRetries: g.numRetries,
      timeoutSeconds: g.timeoutSeconds,
      secretEnv,
      teams: g.teams,
      dependsOn: [this.database.release],
    });

    this.isolation = new NamespaceIsolation(this, 'isolation', { namespace: this.namespace });
    this.isolation.allow('same-namespace', { from: [{ sameNamespace: true }], ports: [] });
    this.isolation.allow('cnpg-operator', { to: { 'cnpg.io/cluster': DB_NAME }, from: [{ namespace: CNPG_NAMESPACE }], ports: [8000, 5432] });
    this.isolation.allow('monitoring', { from: [{ namespace: NAMESPACES.monitoring }], ports: [this.gateway.port, 9187] });
    if (env.edge) {
      this.isolation.allow('edge', { to: this.gateway.podLabels, from: [{ namespace: EDGE_NAMESPACE, podLabels: { 'app.kubernetes.io/name': 'edge' } }], ports: [this.gateway.port] });
    }
  }
}
