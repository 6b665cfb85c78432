import { CHARTS } from '../charts/catalogue';
import { kubePrometheusStackValues, type KubePrometheusStackValuesOptions } from '../charts/kube-prometheus-stack';
import { PodSecurityNamespace } from './pod-security-namespace';
import type { Release } from './private/bindings';
import { Construct } from './private/cdktf';
import { pinnedRelease } from './private/pinned-release';

export const MONITORING_NAMESPACE = 'monitoring';

/**
 * kube-prometheus-stack: Prometheus, Alertmanager, Grafana (admin from a Secret, dashboards from ConfigMaps),
 * node-exporter, and the Prometheus Operator CRDs the other stacks use.
 */
export class KubePrometheusStack extends Construct {
  readonly namespace: PodSecurityNamespace;
  readonly release: Release;

  constructor(scope: Construct, id: string, props: KubePrometheusStackValuesOptions) {
    super(scope, id);
    this.namespace = new PodSecurityNamespace(this, 'namespace', {
      role: 'platform',
      name: MONITORING_NAMESPACE,
      level: 'privileged',
      exceptionReason: 'node-exporter reads host metrics: hostNetwork, hostPID and hostPath mounts of /proc, /sys and /.',
    });
    this.release = pinnedRelease(this, 'release', {
      name: 'kube-prometheus-stack',
      namespace: this.namespace.name,
      chart: CHARTS.kubePrometheusStack,
      values: kubePrometheusStackValues(props),
      timeoutSeconds: 900,
    });
  }
}
