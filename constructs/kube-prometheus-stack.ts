import { CHARTS } from '../charts/pins';
import { kubePrometheusStackValues, receiverSecrets, type KubePrometheusStackValuesOptions } from '../charts/kube-prometheus-stack';
import type { PodSecurityNamespaceProps } from './pod-security-namespace';
import type { Release } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { pinnedRelease } from './private/pinned-release';

/** The Pod Security its namespace needs, and why (POLICY 1): node-exporter reads the host. */
export const KUBE_PROMETHEUS_STACK_POD_SECURITY: Pick<PodSecurityNamespaceProps, 'level' | 'exceptionReason'> = {
  level: 'privileged',
  exceptionReason: 'node-exporter reads host metrics: hostNetwork, hostPID and hostPath mounts of /proc, /sys and /.',
};

export interface KubePrometheusStackProps extends KubePrometheusStackValuesOptions {
  /** Namespace, created beforehand with KUBE_PROMETHEUS_STACK_POD_SECURITY (the environment's namespaces stack). */
  readonly namespace: string;
}

/**
 * kube-prometheus-stack: Prometheus, Alertmanager, Grafana (admin from a Secret, dashboards from ConfigMaps),
 * node-exporter, and the Prometheus Operator CRDs the other stacks use.
 */
export class KubePrometheusStack extends Construct {
  readonly release: Release;
  /** Each Alertmanager receiver, in order, with the Secret keys it reads its credential from. */
  readonly receivers: ReadonlyArray<{ readonly name: string; readonly type: KubePrometheusStackValuesOptions['alerting']['receivers'][number]['type']; readonly secrets: ReadonlyArray<{ readonly name: string; readonly key: string }> }>;

  constructor(scope: Construct, id: string, props: KubePrometheusStackProps) {
    super(scope, id);
    const { namespace, ...values } = props;
    this.receivers = props.alerting.receivers.map((r) => ({ name: r.name, type: r.type, secrets: receiverSecrets(r) }));
    this.release = pinnedRelease(this, 'release', {
      name: 'kube-prometheus-stack',
      namespace,
      chart: CHARTS.kubePrometheusStack,
      values: kubePrometheusStackValues(values),
      timeoutSeconds: 900,
    });
  }
}
