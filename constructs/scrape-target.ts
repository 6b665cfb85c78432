import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Manifest } from '../lib/bindings';
import { Construct } from '../lib/cdktf';

export interface ScrapeEndpoint {
  /** Port name (of the Service for a ServiceMonitor, of the container for a PodMonitor). @default - none: set it or `targetPort` */
  readonly port?: string;
  /** A port number, where the Service's port has no name we control. @default - none: set it or `port` */
  readonly targetPort?: number;
  readonly path: string;
  /** Bearer token from a Secret in the target's namespace. @default - no authorization */
  readonly bearerSecret?: { readonly name: string; readonly key: string };
  /**
   * Keep the labels the target exposes where they clash with the target's own (`namespace`, `pod`, ...), for
   * exporters that report on other objects (cert-manager labels each Certificate's series with its namespace).
   * @default false
   */
  readonly honorLabels?: boolean;
}

export interface ScrapeTargetProps {
  readonly kind: 'ServiceMonitor' | 'PodMonitor';
  readonly name: string;
  readonly namespace: string;
  /** Labels the targets carry. @default - no label condition (with no `matchExpressions` either: every target of the namespace) */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** Label expressions the targets match. @default [] */
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; readonly values?: readonly string[] }>;
  readonly endpoints: readonly ScrapeEndpoint[];
  /** @default '30s' */
  readonly interval?: string;
}

/** What Prometheus scrapes: a ServiceMonitor or PodMonitor (Prometheus Operator CRDs from the platform stack). */
export class ScrapeTarget extends Construct {
  readonly manifest: Manifest;
  /** The manifest as rendered (typed inside by the kubernetes-models type, a dev dependency, so not in the public declarations). */
  readonly body: object;

  constructor(scope: Construct, id: string, p: ScrapeTargetProps) {
    super(scope, id);
    const endpoints = p.endpoints.map((e) => ({
      ...(e.port ? { port: e.port } : {}),
      ...(e.targetPort ? { targetPort: e.targetPort } : {}),
      path: e.path,
      interval: p.interval ?? '30s',
      ...(e.honorLabels ? { honorLabels: true } : {}),
      ...(e.bearerSecret ? { authorization: { type: 'Bearer', credentials: { name: e.bearerSecret.name, key: e.bearerSecret.key } } } : {}),
    }));
    const metadata = { name: p.name, namespace: p.namespace, labels: { 'app.kubernetes.io/managed-by': 'inference-stack' } };
    const selector = {
      ...(p.matchLabels ? { matchLabels: { ...p.matchLabels } } : {}),
      ...(p.matchExpressions ? { matchExpressions: p.matchExpressions.map((m) => ({ key: m.key, operator: m.operator, ...(m.values ? { values: [...m.values] } : {}) })) } : {}),
    };
    const body: IServiceMonitor | IPodMonitor =
      p.kind === 'ServiceMonitor'
        ? { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata, spec: { selector, endpoints } }
        : { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata, spec: { selector, podMetricsEndpoints: endpoints } };
    this.body = body;
    this.manifest = new Manifest(this, 'manifest', { manifest: body });
  }
}
