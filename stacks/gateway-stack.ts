import { costReport, gatewayTokenPrices } from '../catalog/cost';
import { MODELS } from '../catalog/models';
import { langfuseWebUrl } from '../constructs/langfuse-tracing';
import { LiteLlmGateway, type GatewayHostedModel, type GatewayServer, type GatewayTracing } from '../constructs/litellm-gateway';
import { NamespaceIsolation } from '../constructs/namespace-isolation';
import { OLLAMA_PORT } from '../constructs/ollama-server';
import { PostgresCluster } from '../constructs/postgres-cluster';
import { PresidioGuardrail } from '../constructs/presidio-guardrail';
import type { Construct } from '../lib/cdktf';
import { TEI_PORT } from '../constructs/tei-embedding-server';
import { VLLM_PORT } from '../constructs/vllm-server';
import type { ResolvedEnvironment } from '../environments/resolve';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';
import { EDGE_POD_LABELS, GATEWAY_DB_NAME, GATEWAY_POD_LABELS, NAMESPACES, PORTS, modelServiceUrl as serviceUrl } from './topology';

/**
 * The gateway's servers: every model and embedding server in the cluster, at its Service, each with the per-token
 * prices of the cost estimate (catalog/cost.ts, with the margin) where its pool has a price and the currency is USD
 * (LiteLLM counts spend in USD), so budgets and spend count self-hosted use.
 */
export function gatewayServers(resolved: ResolvedEnvironment): GatewayServer[] {
  const report = costReport(resolved);
  const priced = report.currency === 'USD';
  const cost = (name: string) => {
    const prices = priced ? gatewayTokenPrices(report, name) : undefined;
    return prices ? { cost: prices } : {};
  };
  return [
    ...resolved.models.map(({ spec: m }): GatewayServer =>
      m.engine === 'ollama'
        ? { name: m.name, engine: 'ollama', url: serviceUrl(m.name, OLLAMA_PORT), ollamaTag: MODELS[m.model]?.ollamaTag ?? m.model, ...cost(m.name) }
        : { name: m.name, engine: m.engine, url: serviceUrl(m.name, VLLM_PORT), ...cost(m.name) },
    ),
    ...resolved.embeddings.map(({ spec: e }): GatewayServer => ({ name: e.name, engine: 'tei', url: serviceUrl(e.name, TEI_PORT), ...cost(e.name) })),
  ];
}

/** The gateway's tracing backend, from `observability.tracing`. */
export function gatewayTracing(resolved: Pick<ResolvedEnvironment, 'env'>): GatewayTracing | undefined {
  const t = resolved.env.observability.tracing;
  if (!t) return undefined;
  if (t.type === 'otel') return { type: 'otel', endpoint: t.endpoint, protocol: t.protocol, headersSecret: t.headersSecret, environment: resolved.env.name };
  const keys = langfuseKeys(t);
  // in-cluster: the web Service in the tracing namespace (observability stack)
  return { type: 'langfuse', host: t.external?.host ?? langfuseWebUrl(NAMESPACES.tracing), ...keys };
}

/** The Secrets in the gateway namespace with the Langfuse project keys (external or in-cluster). */
function langfuseKeys(t: Extract<NonNullable<ResolvedEnvironment['env']['observability']['tracing']>, { type: 'langfuse' }>) {
  const k = t.external ?? t.inCluster;
  if (!k) throw new Error('observability.tracing: langfuse needs external or inCluster (the schema checks this)');
  return { publicKeySecret: k.publicKeySecret, secretKeySecret: k.secretKeySecret };
}

/** The hosted models, with the list prices the environment declares (USD per million -> per token), only those. */
export function gatewayHostedModels(resolved: ResolvedEnvironment): GatewayHostedModel[] {
  const usd = (resolved.env.cost?.currency ?? 'USD') === 'USD';
  return resolved.env.gateway.hostedModels.map(({ inputPricePerMillion: input, outputPricePerMillion: output, ...h }) => ({
    ...h,
    ...(usd && input !== undefined && output !== undefined ? { cost: { inputCostPerToken: input / 1e6, outputCostPerToken: output / 1e6 } } : {}),
  }));
}

/**
 * The front door's gateway: LiteLLM with its Postgres, teams and keys, in a namespace only the edge (and the
 * gateway's own pods) may reach: `<env>-gateway`.
 */
export class GatewayStack extends EnvironmentStack {
  /** The namespace (created by the namespaces stack). */
  readonly namespace: string = NAMESPACES.gateway;
  readonly database: PostgresCluster;
  readonly gateway: LiteLlmGateway;
  readonly isolation: NamespaceIsolation;
  /** Presidio for the PII guardrails, in the `guardrails` namespace (when the environment has guardrails). */
  readonly presidio?: PresidioGuardrail;
  readonly guardrailIsolation?: NamespaceIsolation;

  constructor(scope: Construct, resolved: ResolvedEnvironment) {
    super(scope, resolved, 'gateway');
    const env = resolved.env;
    const g = env.gateway;
    this.database = new PostgresCluster(this, 'database', {
      name: GATEWAY_DB_NAME,
      namespace: this.namespace,
      instances: resolved.stageValues.gatewayDatabaseInstances,
      database: 'litellm',
      owner: 'litellm',
      storageGiB: g.database.storageGiB,
      storageClass: g.database.storageClass,
      preventDestroy: resolved.stageValues.preventDestroy,
    });
    const ns = this.namespace;
    this.usesSecret({ namespace: ns, name: g.masterKeySecret.name, keys: { [g.masterKeySecret.key]: FILL.litellmKey }, reader: 'LiteLLM gateway and its bootstrap Job (master key)' });
    for (const h of g.hostedModels) this.usesSecret({ namespace: ns, name: h.apiKeySecret.name, keys: { [h.apiKeySecret.key]: FILL.placeholder(`${h.provider} API key`) }, reader: `LiteLLM gateway (hosted model ${h.name})` });
    for (const t of g.teams) for (const k of t.keys) this.usesSecret({ namespace: ns, name: k.secret.name, keys: { [k.secret.key]: FILL.litellmKey }, reader: `gateway bootstrap Job (team ${t.name}, key ${k.name})` });
    const tracing = env.observability.tracing;
    if (tracing?.type === 'langfuse') {
      const { publicKeySecret: pk, secretKeySecret: sk } = langfuseKeys(tracing);
      this.usesSecret({ namespace: ns, name: pk.name, keys: { [pk.key]: FILL.placeholder('Langfuse project public key (pk-lf-...)') }, reader: 'LiteLLM gateway (Langfuse tracing)' });
      this.usesSecret({ namespace: ns, name: sk.name, keys: { [sk.key]: FILL.placeholder('Langfuse project secret key (sk-lf-...)') }, reader: 'LiteLLM gateway (Langfuse tracing)' });
    } else if (tracing?.headersSecret) {
      const h = tracing.headersSecret;
      this.usesSecret({ namespace: ns, name: h.name, keys: { [h.key]: FILL.placeholder('OTLP headers, key=value,...') }, reader: 'LiteLLM gateway (OpenTelemetry tracing)' });
    }
    this.usesSecret({ namespace: ns, name: this.database.appSecretName, keys: { username: FILL.random, password: FILL.random }, reader: 'LiteLLM gateway (database)', createdBy: 'CloudNativePG' });
    if (g.guardrails.length > 0) {
      // Its own namespace: the gateway namespace admits its own pods to each other (the database, the bootstrap
      // Job), so there "only the gateway" could not be said by a policy; here one allow names the gateway's pods.
      this.presidio = new PresidioGuardrail(this, 'presidio', { namespace: NAMESPACES.guardrails, replicas: resolved.stageValues.gatewayReplicas });
      this.guardrailIsolation = new NamespaceIsolation(this, 'guardrail-isolation', { namespace: NAMESPACES.guardrails });
      this.guardrailIsolation.allow('gateway', {
        to: { ...this.presidio.commonLabels },
        from: [{ namespace: NAMESPACES.gateway, podLabels: { ...GATEWAY_POD_LABELS } }],
        ports: [this.presidio.port],
      });
    }
    this.gateway = new LiteLlmGateway(this, 'litellm', {
      namespace: this.namespace,
      replicas: resolved.stageValues.gatewayReplicas,
      masterKeySecret: g.masterKeySecret,
      database: { host: this.database.host, name: this.database.database, secretName: this.database.appSecretName },
      servers: gatewayServers(resolved),
      hostedModels: gatewayHostedModels(resolved),
      fallbacks: Object.fromEntries(env.models.filter((m) => m.fallbacks.length > 0).map((m) => [m.name, m.fallbacks])),
      numRetries: g.numRetries,
      timeoutSeconds: g.timeoutSeconds,
      teams: g.teams,
      guardrails: g.guardrails,
      ...(this.presidio ? { presidio: { analyzerUrl: this.presidio.urls.analyzer, anonymizerUrl: this.presidio.urls.anonymizer } } : {}),
      dependsOn: [this.database.release, ...(this.presidio ? Object.values(this.presidio.deployments) : [])],
      tracing: gatewayTracing(resolved),
      jsonLogs: env.observability.logs !== undefined,
      logPromptBodies: env.observability.logPromptBodies,
      auditLog: env.observability.logs !== undefined,
    });

    this.isolation = new NamespaceIsolation(this, 'isolation', { namespace: this.namespace });
    this.isolation.allow('same-namespace', { from: [{ sameNamespace: true }], ports: [] });
    this.isolation.allow('cnpg-operator', { to: { 'cnpg.io/cluster': GATEWAY_DB_NAME }, from: [{ namespace: NAMESPACES.cnpg }], ports: [...PORTS.cnpgInstance] });
    this.isolation.allow('monitoring', { from: [{ namespace: NAMESPACES.monitoring }], ports: [this.gateway.port, PORTS.cnpgMetrics] });
    if (env.edge) {
      this.isolation.allow('edge', { to: this.gateway.podLabels, from: [{ namespace: NAMESPACES.edge, podLabels: { ...EDGE_POD_LABELS } }], ports: [this.gateway.port] });
    }
  }
}
