/** Every namespace we own, by role: the one place their names are written. */
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
  rag: 'rag',
  edge: 'edge',
} as const;

export type NamespaceKey = keyof typeof NAMESPACES;
