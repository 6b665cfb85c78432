import { COST_DEFAULTS, costReport } from '../catalog/cost';
import { AlertRuleSet, type AlertInput } from '../constructs/alert-rule-set';
import { GrafanaDashboards, type DashboardInput } from '../constructs/grafana-dashboards';
import { GATEWAY_PORT } from '../constructs/litellm-gateway';
import { LANGFUSE_CREDENTIAL_KEYS, LANGFUSE_WEB_POD_LABELS, LangfuseTracing, SEAWEEDFS_S3_CONFIG_KEY } from '../constructs/langfuse-tracing';
import { LogShipper } from '../constructs/log-shipper';
import { NamespaceIsolation } from '../constructs/namespace-isolation';
import { CERT_MANAGER_METRICS } from '../constructs/operator-release';
import type { Construct } from '../lib/cdktf';
import { ScrapeTarget } from '../constructs/scrape-target';
import type { ResolvedEnvironment } from '../environments/resolve';
import { multiNodeGroupName } from '../constructs/multi-node-vllm-server';
import { PGVECTOR_CLUSTER } from '../constructs/pgvector-store';
import { costRules, type CostRuleInput } from '../observability/cost-rules';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';
import { EDGE_POD_LABELS, GATEWAY_DB_NAME, GATEWAY_POD_LABELS, NAMESPACES, PORTS } from './topology';

/** What the alert rules are generated from. */
export function alertInput(resolved: ResolvedEnvironment): AlertInput {
  const env = resolved.env;
  const slo = env.observability.slo;
  return {
    models: resolved.models.map(({ spec: m, maxReplicas, multiNode, startup }) => ({
      name: m.name,
      engine: m.engine,
      replicas: maxReplicas,
      ttftSloSeconds: m.ttftSloSeconds ?? slo.ttftSeconds,
      workload: multiNode ? multiNodeGroupName(m.name) : m.name,
      scaleToZero: m.autoscaling?.min === 0,
      startupBudgetSeconds: m.startupTimeoutSeconds ?? startup.probeBudgetSeconds,
    })),
    embeddings: env.embeddings.map((e) => ({ name: e.name, replicas: e.replicas })),
    pools: env.gpuPools.map((p) => ({ name: p.name, nodes: p.nodes })),
    teams: env.gateway.teams.filter((t) => t.maxBudget !== undefined).map((t) => t.name),
    edge: env.edge ? { certificateFromCertManager: env.edge.tls.mode === 'cert-manager' } : undefined,
    vectorStore: env.vectorStore?.type,
    slo,
  };
}

/** What the dashboards need of the environment. */
export function dashboardInput(resolved: ResolvedEnvironment): DashboardInput {
  const env = resolved.env;
  return {
    models: env.models.filter((m) => m.engine === 'vllm').map((m) => m.name),
    pools: env.gpuPools.map((p) => ({ name: p.name, nodes: p.nodes, mig: p.sharing.mode === 'mig' })),
    vectorStore: env.vectorStore?.type,
    cost: { currency: env.cost?.currency ?? COST_DEFAULTS.currency, ...(env.cost?.monthlyBudget !== undefined ? { monthlyBudget: env.cost.monthlyBudget } : {}) },
  };
}

/** What the cost rules need: the priced pools with their nodes and prices, the hosted models, the budget. */
export function costRuleInput(resolved: ResolvedEnvironment): CostRuleInput {
  const env = resolved.env;
  const report = costReport(resolved);
  return {
    currency: report.currency,
    pools: report.pools.flatMap((p) => {
      // six decimals: a price, without floating-point noise in the rules (24 x 2.49 = 59.760000000000005)
      const round = (v: number) => Number(v.toFixed(6));
      return p.pricePerGpuHour === null ? [] : [{ name: p.name, nodes: p.nodes, pricePerDeviceHour: round((p.pricePerGpuHour * p.gpus) / p.devices), poolPerHour: round(p.pricePerGpuHour * p.gpus) }];
    }),
    hostedModels: env.gateway.hostedModels.map((h) => ({ provider: h.provider === 'openai-compatible' ? 'openai' : h.provider, model: h.model })),
    ...(env.cost?.monthlyBudget !== undefined ? { monthlyBudget: env.cost.monthlyBudget } : {}),
  };
}

/** The namespaces whose container logs the shipper collects: every one that runs a workload of the environment (the platform charts' and the GPU readiness checks' excepted). */
export function loggedNamespaces(resolved: Pick<ResolvedEnvironment, 'env'>): string[] {
  const env = resolved.env;
  return [NAMESPACES.gateway, NAMESPACES.models, ...(env.gateway.guardrails.length > 0 ? [NAMESPACES.guardrails] : []), ...(env.edge ? [NAMESPACES.edge] : []), ...(env.vectorStore ? [NAMESPACES.rag] : [])];
}

/**
 * Scrape targets for every component, the alert rules and the Grafana dashboards, generated from the
 * environment: `<env>-observability`. (kube-prometheus-stack itself and its CRDs are in the platform stack.)
 */
export class ObservabilityStack extends EnvironmentStack {
  readonly rules: AlertRuleSet;
  /** The cost rules: GPUs held and hosted spend per hour, the projected month against the budget (README "Cost"). */
  readonly costRules: AlertRuleSet;
  readonly dashboards: GrafanaDashboards;
  readonly targets: readonly ScrapeTarget[];
  readonly logShipper?: LogShipper;
  /** An in-cluster Langfuse (observability.tracing inCluster), in the `tracing` namespace. */
  readonly langfuse?: LangfuseTracing;

  constructor(scope: Construct, resolved: ResolvedEnvironment) {
    super(scope, resolved, 'observability');
    const env = resolved.env;
    const targets: ScrapeTarget[] = [];
    if (env.models.length + env.embeddings.length > 0) {
      targets.push(
        new ScrapeTarget(this, 'model-servers', {
          kind: 'ServiceMonitor',
          name: 'model-servers',
          namespace: NAMESPACES.models,
          // Every vLLM, TGI and TEI server serves /metrics on its API port; Ollama has no metrics.
          matchExpressions: [
            { key: 'app.kubernetes.io/managed-by', operator: 'In', values: ['inference-stack'] },
            { key: 'inference-stack.io/engine', operator: 'In', values: ['vllm', 'tgi', 'tei'] },
          ],
          endpoints: [{ port: 'http', path: '/metrics' }],
          interval: '15s',
        }),
      );
    }
    targets.push(
      new ScrapeTarget(this, 'gateway', {
        kind: 'ServiceMonitor',
        name: 'litellm',
        namespace: NAMESPACES.gateway,
        matchLabels: { ...GATEWAY_POD_LABELS },
        endpoints: [{ targetPort: GATEWAY_PORT, path: '/metrics' }],
      }),
      new ScrapeTarget(this, 'gateway-db', {
        kind: 'PodMonitor',
        name: 'litellm-db',
        namespace: NAMESPACES.gateway,
        matchLabels: { 'cnpg.io/cluster': GATEWAY_DB_NAME },
        endpoints: [{ port: PORTS.cnpgMetricsName, path: '/metrics' }],
      }),
    );
    if (env.edge) {
      targets.push(
        new ScrapeTarget(this, 'edge', {
          kind: 'ServiceMonitor',
          name: 'edge',
          namespace: NAMESPACES.edge,
          matchLabels: { ...EDGE_POD_LABELS },
          endpoints: [{ port: 'internal', path: '/metrics' }],
        }),
      );
      if (env.edge.tls.mode === 'cert-manager') {
        targets.push(
          new ScrapeTarget(this, 'cert-manager', {
            kind: 'ServiceMonitor',
            name: CERT_MANAGER_METRICS.release,
            namespace: NAMESPACES.certManager,
            matchLabels: CERT_MANAGER_METRICS.labels,
            // The controller's series describe Certificates in other namespaces: keep their `namespace` label
            // (the edge alert selects namespace="edge") instead of renaming it to exported_namespace.
            endpoints: [{ port: CERT_MANAGER_METRICS.port, path: '/metrics', honorLabels: true }],
          }),
        );
      }
    }
    const store = env.vectorStore;
    if (store?.type === 'qdrant') {
      const key = store.apiKeySecret;
      this.usesSecret({ namespace: NAMESPACES.rag, name: key.name, keys: { [key.key]: FILL.random }, reader: 'Prometheus (Qdrant PodMonitor bearer token)' });
      targets.push(
        new ScrapeTarget(this, 'vector-store', {
          kind: 'PodMonitor',
          name: 'qdrant',
          namespace: NAMESPACES.rag,
          matchLabels: { 'app.kubernetes.io/name': 'qdrant' },
          endpoints: [{ port: 'http', path: '/metrics', bearerSecret: store.apiKeySecret }],
        }),
      );
    } else if (store?.type === 'pgvector') {
      targets.push(
        new ScrapeTarget(this, 'vector-store', {
          kind: 'PodMonitor',
          name: 'rag-db',
          namespace: NAMESPACES.rag,
          matchLabels: { 'cnpg.io/cluster': PGVECTOR_CLUSTER },
          endpoints: [{ port: PORTS.cnpgMetricsName, path: '/metrics' }],
        }),
      );
    }
    this.targets = targets;
    this.rules = new AlertRuleSet(this, 'rules', { name: 'inference-stack', namespace: NAMESPACES.monitoring, alerts: alertInput(resolved) });
    this.costRules = new AlertRuleSet(this, 'cost-rules', { name: 'inference-stack-cost', namespace: NAMESPACES.monitoring, groups: costRules(costRuleInput(resolved)) });
    this.dashboards = new GrafanaDashboards(this, 'dashboards', {
      namespace: NAMESPACES.monitoring,
      input: dashboardInput(resolved),
    });

    const logs = env.observability.logs;
    if (logs) {
      const sink = logs.sink;
      const secret = sink.type === 'http' || sink.type === 'splunk' ? sink.tokenSecret : sink.type === 'syslog' ? undefined : sink.passwordSecret;
      if (secret) this.usesSecret({ namespace: NAMESPACES.logging, name: secret.name, keys: { [secret.key]: FILL.placeholder(`${sink.type} sink credential`) }, reader: `Fluent Bit (${sink.type} sink)` });
      this.logShipper = new LogShipper(this, 'log-shipper', { namespace: NAMESPACES.logging, namespaces: loggedNamespaces(resolved), sink });
      // The shipper only sends: nothing may reach its pods (the kubelet's probes are not subject to NetworkPolicy).
      new NamespaceIsolation(this, 'logging-isolation', { namespace: NAMESPACES.logging });
    }

    const tracing = env.observability.tracing;
    if (tracing?.type === 'langfuse' && tracing.inCluster) {
      const c = tracing.inCluster;
      const ns = NAMESPACES.tracing;
      const literal = (v: string) => ({ literal: v });
      const fills: Record<keyof typeof LANGFUSE_CREDENTIAL_KEYS, ReturnType<typeof FILL.placeholder>> = {
        salt: FILL.random,
        encryptionKey: FILL.random,
        nextauthSecret: FILL.random,
        postgresSuperuserPassword: FILL.random,
        postgresUser: literal('langfuse'),
        postgresPassword: FILL.random,
        postgresDatabase: literal('langfuse'),
        redisPassword: FILL.random,
        clickhousePassword: FILL.random,
        s3AccessKeyId: FILL.placeholder('S3 access key id, as in the S3 config Secret'),
        s3SecretAccessKey: FILL.placeholder('S3 secret access key, as in the S3 config Secret'),
        projectPublicKey: FILL.placeholder('Langfuse project public key pk-lf-..., the same as in the gateway namespace'),
        projectSecretKey: FILL.placeholder('Langfuse project secret key sk-lf-..., the same as in the gateway namespace'),
        adminEmail: FILL.placeholder('e-mail of the Langfuse UI admin'),
        adminPassword: FILL.random,
      };
      this.usesSecret({
        namespace: ns,
        name: c.credentialsSecret,
        keys: Object.fromEntries(Object.entries(LANGFUSE_CREDENTIAL_KEYS).map(([k, v]) => [v.key, fills[k as keyof typeof fills]])),
        reader: 'Langfuse web, worker and datastores (credentials, project keys)',
      });
      this.usesSecret({
        namespace: ns,
        name: c.s3ConfigSecret,
        keys: { [SEAWEEDFS_S3_CONFIG_KEY]: FILL.placeholder('SeaweedFS S3 identities JSON with the access key of the credentials Secret') },
        reader: 'SeaweedFS (Langfuse S3 store)',
      });
      this.langfuse = new LangfuseTracing(this, 'langfuse', {
        namespace: ns,
        credentialsSecret: c.credentialsSecret,
        s3ConfigSecret: c.s3ConfigSecret,
        storage: c.storage,
        storageClass: c.storageClass,
        clickhouseReplicas: c.clickhouseReplicas,
        webReplicas: resolved.stageValues.gatewayReplicas,
        preventDestroy: resolved.stageValues.preventDestroy,
      });
      // Only the gateway reaches the web port; Langfuse's own pods reach each other (web, worker, datastores).
      const isolation = new NamespaceIsolation(this, 'tracing-isolation', { namespace: ns });
      isolation.allow('gateway', { to: { ...LANGFUSE_WEB_POD_LABELS }, from: [{ namespace: NAMESPACES.gateway, podLabels: { ...GATEWAY_POD_LABELS } }], ports: [this.langfuse.webPort] });
      isolation.allow('same-namespace', { from: [{ sameNamespace: true }], ports: [] });
    }
  }
}
