import { CHARTS } from '../charts/pins';
import { CERT_MANAGER_NAME, certManagerValues } from '../charts/cert-manager';
import { cloudnativePgOperatorValues } from '../charts/cloudnative-pg';
import { kedaValues } from '../charts/keda';
import { lwsValues } from '../charts/lws';
import { GpuOperator } from '../constructs/gpu-operator';
import { KubePrometheusStack } from '../constructs/kube-prometheus-stack';
import { receiverSecrets } from '../charts/kube-prometheus-stack';
import { OperatorRelease } from '../constructs/operator-release';
import type { Construct } from '../lib/cdktf';
import type { Environment } from '../environments/schema';
import { isMultiNode } from './models-stack';
import { NAMESPACES } from './namespaces';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';

/** The optional operators an environment needs: LWS for multi-node models, KEDA for autoscaling, cert-manager for the edge. */
export function platformOperators(env: Environment): { lws: boolean; keda: boolean; certManager: boolean } {
  return {
    lws: env.models.some((m) => isMultiNode(env, m)),
    keda: env.models.some((m) => m.autoscaling),
    certManager: env.edge?.tls.mode === 'cert-manager',
  };
}

/**
 * Cluster-wide operators and their CRDs, which the workload stacks build on: `<env>-platform`. Their namespaces
 * come from the namespaces stack.
 */
export class PlatformStack extends EnvironmentStack {
  readonly gpuOperator: GpuOperator;
  /** Prometheus, Grafana and the Prometheus Operator CRDs. */
  readonly monitoring: KubePrometheusStack;
  /** CloudNativePG: the Postgres of the gateway (and of the RAG tier). */
  readonly cloudnativePg: OperatorRelease;
  /** cert-manager, when the edge's certificate comes from it. */
  readonly certManager?: OperatorRelease;
  /** LeaderWorkerSet, when a model spans nodes. */
  readonly lws?: OperatorRelease;
  /** KEDA, when a model autoscales. */
  readonly keda?: OperatorRelease;

  constructor(scope: Construct, env: Environment) {
    super(scope, env, 'platform');
    const o = env.observability;
    const ops = platformOperators(env);
    this.monitoring = new KubePrometheusStack(this, 'monitoring', {
      namespace: NAMESPACES.monitoring,
      retentionDays: o.retentionDays,
      storageGiB: o.storageGiB,
      storageClass: o.storageClass,
      grafanaAdminSecret: o.grafanaAdminSecret,
      alerting: o.alerting,
    });
    const admin = o.grafanaAdminSecret;
    this.usesSecret({ namespace: NAMESPACES.monitoring, name: admin.name, keys: { [admin.userKey]: { literal: 'admin' }, [admin.passwordKey]: FILL.random }, reader: 'Grafana admin (kube-prometheus-stack)' });
    // Alertmanager mounts each receiver's Secret whole and reads its credential from a file.
    const what = { slack: 'Slack webhook URL', pagerduty: 'PagerDuty routing key', email: 'SMTP password', webhook: 'webhook URL' } as const;
    for (const r of o.alerting.receivers) {
      for (const s of receiverSecrets(r)) {
        this.usesSecret({ namespace: NAMESPACES.monitoring, name: s.name, keys: { [s.key]: FILL.placeholder(what[r.type]) }, reader: `Alertmanager (receiver ${r.name})` });
      }
    }
    this.gpuOperator = new GpuOperator(this, 'gpu-operator', {
      namespace: NAMESPACES.gpuOperator,
      dependsOn: [this.monitoring.release],
      versions: env.gpuOperator.versions,
      driverEnabled: env.gpuOperator.driverEnabled,
      maxParallelDriverUpgrades: env.gpuOperator.maxParallelDriverUpgrades,
      dcgmServiceMonitor: env.gpuOperator.dcgmServiceMonitor,
      pools: env.gpuPools.map((p) => ({ name: p.name, sharing: p.sharing, driverVersion: p.driver?.version })),
    });
    this.cloudnativePg = new OperatorRelease(this, 'cloudnative-pg', { name: 'cnpg-system', namespace: NAMESPACES.cnpg, chart: CHARTS.cloudnativePg, values: cloudnativePgOperatorValues() });
    if (ops.lws) {
      this.lws = new OperatorRelease(this, 'lws', { name: 'lws-system', namespace: NAMESPACES.lws, chart: CHARTS.lws, values: lwsValues() });
    }
    if (ops.keda) {
      this.keda = new OperatorRelease(this, 'keda', { name: 'keda', namespace: NAMESPACES.keda, chart: CHARTS.keda, values: kedaValues() });
    }
    if (ops.certManager) {
      this.certManager = new OperatorRelease(this, 'cert-manager', { name: CERT_MANAGER_NAME, namespace: NAMESPACES.certManager, chart: CHARTS.certManager, values: certManagerValues() });
    }
  }
}
