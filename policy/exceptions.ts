/**
 * Declared exceptions to the policy: each names the rule, what it covers and why. An exception never hides a
 * finding silently: the report lists every excepted finding with its reason.
 */
export interface PolicyException {
  readonly rule: string;
  /** Matches the finding's message. */
  readonly message: RegExp;
  readonly reason: string;
}

export const EXCEPTIONS: readonly PolicyException[] = [
  {
    rule: 'P04',
    message: /^namespace "gpu-operator" enforces "privileged"$/,
    reason: "POLICY 1: the GPU Operator's operands (driver, toolkit, device plugin, DCGM exporter, MIG manager) load kernel modules and reach host devices.",
  },
  {
    rule: 'P04',
    message: /^namespace "monitoring" enforces "privileged"$/,
    reason: 'POLICY 1: node-exporter reads host metrics through hostNetwork, hostPID and hostPath mounts.',
  },
  {
    rule: 'P04',
    message: /^namespace "logging" enforces "privileged"$/,
    reason: "POLICY 1: the log shipper (Fluent Bit) reads the nodes' container logs through a read-only hostPath /var/log and keeps its offsets in hostPath /var/lib/fluent-bit; baseline and restricted refuse hostPath volumes. It runs as root (the logs are root's) without any capability.",
  },
  {
    rule: 'P04',
    message: /^namespace "tracing" enforces "baseline"$/,
    reason: "An in-cluster Langfuse's ClickHouse server and Keeper pods are made by the ClickHouse operator, and the Langfuse chart passes them no security context; the Langfuse, Postgres, Valkey and SeaweedFS pods run restricted security contexts.",
  },
  {
    rule: 'P11',
    message: /^mounts the token of service account "gpu-readiness"$/,
    reason: "The GPU readiness gates read the pool nodes' allocatable GPUs from the API; their ClusterRole allows get and list on nodes only.",
  },
];

/**
 * An exception an environment states (gateway.guardrailExceptions: a route to a hosted API allowed without a PII
 * guardrail in prod), as a policy exception: the report lists the route's finding with the environment's reason.
 */
export function guardrailException(route: string, reason: string): PolicyException {
  const escaped = route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { rule: 'P22', message: new RegExp(`^route "${escaped}" `), reason: `stated by the environment: ${reason}` };
}
