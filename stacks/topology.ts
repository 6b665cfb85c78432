/**
 * The shared names of an environment's topology: namespaces, the addresses and ports one stack's objects use to
 * reach another's. The one place they are written; stacks read them here, never from each other.
 */
import { gatewayAddress } from '../constructs/litellm-gateway';
import { VLLM_PORT } from '../constructs/vllm-server';

/** Every namespace we own, by role. */
export const NAMESPACES = {
  monitoring: 'monitoring',
  gpuOperator: 'gpu-operator',
  /** The GPU readiness gates (the gpu-pools stack's Jobs). */
  gpuReadiness: 'gpu-readiness',
  cnpg: 'cnpg-system',
  lws: 'lws-system',
  keda: 'keda',
  certManager: 'cert-manager',
  models: 'models',
  gateway: 'gateway',
  /** Presidio, for the gateway's PII guardrails: its own namespace, so that only the gateway's pods reach it. */
  guardrails: 'guardrails',
  rag: 'rag',
  edge: 'edge',
  /** The log shipper (observability.logs). */
  logging: 'logging',
  /** An in-cluster Langfuse (observability.tracing inCluster): its own namespace, so that only the gateway reaches it. */
  tracing: 'tracing',
} as const;

export type NamespaceKey = keyof typeof NAMESPACES;

/** Prometheus as kube-prometheus-stack names it, for the autoscalers' queries. */
export const PROMETHEUS_URL = `http://kube-prometheus-stack-prometheus.${NAMESPACES.monitoring}.svc.cluster.local:9090`;

/** The gateway's in-cluster address (host:port), the edge's upstream. */
export const GATEWAY_ADDRESS = gatewayAddress(NAMESPACES.gateway);

/** The in-cluster URL of a model or embedding server's Service. */
export const modelServiceUrl = (name: string, port: number): string => `http://${name}.${NAMESPACES.models}.svc.cluster.local:${port}`;

/** Pod labels of the gateway and of the edge, which network policies select. */
export const GATEWAY_POD_LABELS = { 'app.kubernetes.io/name': 'litellm' } as const;
export const EDGE_POD_LABELS = { 'app.kubernetes.io/name': 'edge' } as const;

/** The gateway's Postgres cluster (CloudNativePG). */
export const GATEWAY_DB_NAME = 'litellm-db';

export const PORTS = {
  /** Where the model servers (vLLM, TGI) and TEI serve their metrics: their HTTP port. */
  modelMetrics: VLLM_PORT,
  /** CloudNativePG instances: the operator's status endpoint and Postgres. */
  cnpgInstance: [8000, 5432],
  /** CloudNativePG's metrics exporter in every instance (port name `metrics`). */
  cnpgMetrics: 9187,
  cnpgMetricsName: 'metrics',
} as const;
