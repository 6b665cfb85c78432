import { GPU_OPERATOR_POD_SECURITY } from '../constructs/gpu-operator';
import { KUBE_PROMETHEUS_STACK_POD_SECURITY } from '../constructs/kube-prometheus-stack';
import { LANGFUSE_POD_SECURITY } from '../constructs/langfuse-tracing';
import { LOG_SHIPPER_POD_SECURITY } from '../constructs/log-shipper';
import { PodSecurityNamespace, type PodSecurityNamespaceProps } from '../constructs/pod-security-namespace';
import { Construct } from '../lib/cdktf';
import type { ResolvedEnvironment } from '../environments/resolve';
import { EnvironmentStack } from './private/environment-stack';
import { NAMESPACES, type NamespaceKey } from './topology';

/** A namespace of the environment: construct id (`<id>/namespace`, as before it moved here) and its settings. */
export interface NamespaceSpec {
  readonly key: NamespaceKey;
  readonly id: string;
  readonly props: PodSecurityNamespaceProps;
}

/** The namespaces an environment needs, platform operators' first. */
export function environmentNamespaces(resolved: ResolvedEnvironment): NamespaceSpec[] {
  const env = resolved.env;
  const ops = resolved.operators;
  const prod = resolved.stageValues.preventDestroy;
  const spec = (key: NamespaceKey, id: string, props: Omit<PodSecurityNamespaceProps, 'name'>): NamespaceSpec => ({ key, id, props: { name: NAMESPACES[key], ...props } });
  return [
    spec('monitoring', 'monitoring', { role: 'platform', ...KUBE_PROMETHEUS_STACK_POD_SECURITY }),
    spec('gpuOperator', 'gpu-operator', { role: 'platform', ...GPU_OPERATOR_POD_SECURITY }),
    spec('cnpg', 'cloudnative-pg', { role: 'platform' }),
    ...(env.gpuPools.length > 0 ? [spec('gpuReadiness', 'gpu-readiness', { role: 'platform' })] : []),
    ...(ops.lws ? [spec('lws', 'lws', { role: 'platform' })] : []),
    ...(ops.keda ? [spec('keda', 'keda', { role: 'platform' })] : []),
    ...(ops.certManager ? [spec('certManager', 'cert-manager', { role: 'platform' })] : []),
    spec('models', 'models', { role: 'app' }),
    // Deleting a namespace deletes its volumes: the gateway's and the RAG tier's data.
    spec('gateway', 'gateway', { role: 'app', preventDestroy: prod }),
    ...(env.gateway.guardrails.length > 0 ? [spec('guardrails', 'guardrails', { role: 'app' })] : []),
    ...(env.vectorStore ? [spec('rag', 'rag', { role: 'app', preventDestroy: prod })] : []),
    ...(env.edge ? [spec('edge', 'edge', { role: 'app' })] : []),
    ...(env.observability.logs ? [spec('logging', 'logging', { role: 'app', ...LOG_SHIPPER_POD_SECURITY })] : []),
    // Deleting the namespace deletes the traces' volumes.
    ...(env.observability.tracing?.type === 'langfuse' && env.observability.tracing.inCluster
      ? [spec('tracing', 'tracing', { role: 'app', preventDestroy: prod, ...LANGFUSE_POD_SECURITY })]
      : []),
  ];
}

/**
 * Every namespace of the environment, with its Pod Security labels (and, for app namespaces, a default
 * ServiceAccount without an API token): `<env>-namespaces`, applied before every other stack, so that the Secrets
 * the other stacks read can be created in them first (`inference-stack secrets`).
 */
export class NamespacesStack extends EnvironmentStack {
  readonly namespaces: Readonly<Partial<Record<NamespaceKey, PodSecurityNamespace>>>;

  constructor(scope: Construct, resolved: ResolvedEnvironment) {
    super(scope, resolved, 'namespaces');
    const out: Partial<Record<NamespaceKey, PodSecurityNamespace>> = {};
    // `<component>/namespace`: the path each namespace had in its old stack
    for (const n of environmentNamespaces(resolved)) out[n.key] = new PodSecurityNamespace(new Construct(this, n.id), 'namespace', n.props);
    this.namespaces = out;
  }
}
