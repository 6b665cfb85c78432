import { alertRules, type AlertInput } from '../observability/alert-rules';
import { CERT_MANAGER_METRICS_SERVICE, CERT_MANAGER_NAME } from '../charts/cert-manager';
import { dashboards, type DashboardInput } from '../observability/dashboards';
import { LITELLM_PORT } from '../charts/litellm';
import { AlertRuleSet } from '../constructs/alert-rule-set';
import { GrafanaDashboards } from '../constructs/grafana-dashboards';
import type { Construct } from '../lib/cdktf';
import { ScrapeTarget } from '../constructs/scrape-target';
import type { Environment } from '../environments/schema';
import { EDGE_NAMESPACE, GATEWAY_NAMESPACE } from './gateway-stack';
import { MODELS_NAMESPACE, isMultiNode } from './models-stack';
import { NAMESPACES } from './namespaces';
import { multiNodeGroupName } from '../constructs/multi-node-vllm-server';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';
import { RAG_NAMESPACE } from './rag-stack';

/** Port of CloudNativePG's metrics exporter in every instance. */
const CNPG_METRICS_PORT_NAME = 'metrics';

/** What the alert rules are generated from. */
export function alertInput(env: Environment): AlertInput {
  const slo = env.observability.slo;
  return {
    models: env.models.map((m) => ({
      name: m.name,
      engine: m.engine,
      replicas: m.autoscaling ? m.autoscaling.max : m.replicas,
      ttftSloSeconds: m.ttftSloSeconds ?? slo.ttftSeconds,
      workload: isMultiNode(env, m) ? multiNodeGroupName(m.name) : m.name,
      scaleToZero: m.autoscaling?.min === 0,
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
export function dashboardInput(env: Environment): DashboardInput {
  return {
    models: env.models.filter((m) => m.engine === 'vllm').map((m) => m.name),
    pools: env.gpuPools.map((p) => ({ name: p.name, nodes: p.nodes, mig: p.sharing.mode === 'mig' })),
    vectorStore: env.vectorStore?.type,
  };
}

/**
 * Scrape targets for every component, the alert rules and the Grafana dashboards, generated from the
 * environment: `<env>-observability`. (kube-prometheus-stack itself and its CRDs are in the platform stack.)
 */
export class ObservabilityStack extends EnvironmentStack {
  readonly rules: AlertRuleSet;
  readonly dashboards: GrafanaDashboards;
  readonly targets: readonly ScrapeTarget[];

  constructor(scope: Construct, env: Environment) {
    super(scope, env, 'observability');
    const targets: ScrapeTarget[] = [];
    if (env.models.length + env.embeddings.length > 0) {
      targets.push(
        new ScrapeTarget(this, 'model-servers', {
          kind: 'ServiceMonitor',
          name: 'model-servers',
          namespace: MODELS_NAMESPACE,
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
        namespace: GATEWAY_NAMESPACE,
        matchLabels: { 'app.kubernetes.io/name': 'litellm' },
        endpoints: [{ targetPort: LITELLM_PORT, path: '/metrics' }],
      }),
      new ScrapeTarget(this, 'gateway-db', {
        kind: 'PodMonitor',
        name: 'litellm-db',
        namespace: GATEWAY_NAMESPACE,
        matchLabels: { 'cnpg.io/cluster': 'litellm-db' },
        endpoints: [{ port: CNPG_METRICS_PORT_NAME, path: '/metrics' }],
      }),
    );
    if (env.edge) {
      targets.push(
        new ScrapeTarget(this, 'edge', {
          kind: 'ServiceMonitor',
          name: 'edge',
          namespace: EDGE_NAMESPACE,
          matchLabels: { 'app.kubernetes.io/name': 'edge' },
          endpoints: [{ port: 'internal', path: '/metrics' }],
        }),
      );
      if (env.edge.tls.mode === 'cert-manager') {
        targets.push(
          new ScrapeTarget(this, 'cert-manager', {
            kind: 'ServiceMonitor',
            name: CERT_MANAGER_NAME,
            namespace: NAMESPACES.certManager,
            matchLabels: CERT_MANAGER_METRICS_SERVICE.labels,
            // The controller's series describe Certificates in other namespaces: keep their `namespace` label
            // (the edge alert selects namespace="edge") instead of renaming it to exported_namespace.
            endpoints: [{ port: CERT_MANAGER_METRICS_SERVICE.port, path: '/metrics', honorLabels: true }],
          }),
        );
      }
    }
    const store = env.vectorStore;
    if (store?.type === 'qdrant') {
      const key = store.apiKeySecret;
      this.usesSecret({ namespace: RAG_NAMESPACE, name: key.name, keys: { [key.key]: FILL.random }, reader: 'Prometheus (Qdrant PodMonitor bearer token)' });
      targets.push(
        new ScrapeTarget(this, 'vector-store', {
          kind: 'PodMonitor',
          name: 'qdrant',
          namespace: RAG_NAMESPACE,
          matchLabels: { 'app.kubernetes.io/name': 'qdrant' },
          endpoints: [{ port: 'http', path: '/metrics', bearerSecret: store.apiKeySecret }],
        }),
      );
    } else if (store?.type === 'pgvector') {
      targets.push(
        new ScrapeTarget(this, 'vector-store', {
          kind: 'PodMonitor',
          name: 'rag-db',
          namespace: RAG_NAMESPACE,
          matchLabels: { 'cnpg.io/cluster': 'rag-db' },
          endpoints: [{ port: CNPG_METRICS_PORT_NAME, path: '/metrics' }],
        }),
      );
    }
    this.targets = targets;
    this.rules = new AlertRuleSet(this, 'rules', { name: 'inference-stack', namespace: NAMESPACES.monitoring, groups: alertRules(alertInput(env)) });
    this.dashboards = new GrafanaDashboards(this, 'dashboards', {
      namespace: NAMESPACES.monitoring,
      dashboards: dashboards(dashboardInput(env)),
    });
  }
}
