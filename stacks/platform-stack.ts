import { CHARTS } from '../charts/catalogue';
import { CERT_MANAGER_NAME, certManagerValues } from '../charts/cert-manager';
import { cloudnativePgOperatorValues } from '../charts/cloudnative-pg';
import { kedaValues } from '../charts/keda';
import { lwsValues } from '../charts/lws';
import { GpuOperator } from '../constructs/gpu-operator';
import { KubePrometheusStack } from '../constructs/kube-prometheus-stack';
import { OperatorRelease } from '../constructs/operator-release';
import type { Construct } from '../constructs/private/cdktf';
import type { Environment } from '../environments/schema';
import { isMultiNode } from './models-stack';
import { EnvironmentStack } from './private/environment-stack';

/** Cluster-wide operators and their CRDs, which the workload stacks build on: `<env>-platform`. */
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
    this.monitoring = new KubePrometheusStack(this, 'monitoring', {
      retentionDays: o.retentionDays,
      storageGiB: o.storageGiB,
      storageClass: o.storageClass,
      grafanaAdminSecret: o.grafanaAdminSecret,
    });
    this.gpuOperator = new GpuOperator(this, 'gpu-operator', {
      dependsOn: [this.monitoring.release],
      versions: env.gpuOperator.versions,
      driverEnabled: env.gpuOperator.driverEnabled,
      maxParallelDriverUpgrades: env.gpuOperator.maxParallelDriverUpgrades,
      dcgmServiceMonitor: env.gpuOperator.dcgmServiceMonitor,
      pools: env.gpuPools.map((p) => ({ name: p.name, sharing: p.sharing, driverVersion: p.driver?.version })),
    });
    this.cloudnativePg = new OperatorRelease(this, 'cloudnative-pg', { name: 'cnpg-system', chart: CHARTS.cloudnativePg, values: cloudnativePgOperatorValues() });
    if (env.models.some((m) => isMultiNode(env, m))) {
      this.lws = new OperatorRelease(this, 'lws', { name: 'lws-system', chart: CHARTS.lws, values: lwsValues() });
    }
    if (env.models.some((m) => m.autoscaling)) {
      this.keda = new OperatorRelease(this, 'keda', { name: 'keda', chart: CHARTS.keda, values: kedaValues() });
    }
    if (env.edge?.tls.mode === 'cert-manager') {
      this.certManager = new OperatorRelease(this, 'cert-manager', { name: CERT_MANAGER_NAME, chart: CHARTS.certManager, values: certManagerValues() });
    }
  }
}
