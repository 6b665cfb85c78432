import { GpuOperator } from '../constructs/gpu-operator';
import { KubePrometheusStack } from '../constructs/kube-prometheus-stack';
import { OperatorRelease } from '../constructs/operator-release';
import type { Construct } from '../lib/cdktf';
import type { ResolvedEnvironment } from '../environments/resolve';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';
import { NAMESPACES } from './topology';

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

  constructor(scope: Construct, resolved: ResolvedEnvironment) {
    super(scope, resolved, 'platform');
    const env = resolved.env;
    const o = env.observability;
    const ops = resolved.operators;
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
    for (const r of this.monitoring.receivers) {
      for (const s of r.secrets) {
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
    this.cloudnativePg = new OperatorRelease(this, 'cloudnative-pg', { operator: 'cloudnativePg', namespace: NAMESPACES.cnpg });
    if (ops.lws) {
      this.lws = new OperatorRelease(this, 'lws', { operator: 'lws', namespace: NAMESPACES.lws });
    }
    if (ops.keda) {
      this.keda = new OperatorRelease(this, 'keda', { operator: 'keda', namespace: NAMESPACES.keda });
    }
    if (ops.certManager) {
      this.certManager = new OperatorRelease(this, 'cert-manager', { operator: 'certManager', namespace: NAMESPACES.certManager });
    }
  }
}
