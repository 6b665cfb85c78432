/**
 * The pieces every pod we render shares, in the Kubernetes API's shape (camelCase, as Helm values and raw manifests
 * take them; the provider-binding renderers adapt them): the security contexts of the `restricted` Pod Security
 * level and the spread of replicas over nodes.
 */

/** seccomp: the container runtime's default profile (`restricted` requires it on the pod or on every container). */
export const seccompRuntimeDefault = () => ({ type: 'RuntimeDefault' as const });

export interface RestrictedContainerOptions<Id extends number | string> {
  /** The image can run with a read-only root file system (its writable paths are volumes). @default false (not set) */
  readonly readOnlyRootFilesystem?: boolean;
  /** Capabilities to keep after dropping all: `restricted` allows only NET_BIND_SERVICE. @default none */
  readonly add?: readonly 'NET_BIND_SERVICE'[];
  /** Set the seccomp profile here too (not only on the pod). @default true */
  readonly seccomp?: boolean;
  /** Say `privileged: false` explicitly. @default true */
  readonly privileged?: boolean;
  /**
   * Numeric user and group, for images whose USER is a name (the kubelet cannot check a name is non-root): numbers
   * for manifests and Helm values, strings for the provider bindings.
   */
  readonly runAs?: { readonly user: Id; readonly group: Id };
}

/**
 * A container security context of the `restricted` Pod Security level: no privilege escalation, all capabilities
 * dropped, non-root, the runtime's seccomp profile.
 */
export function restrictedContainerSecurity<Id extends number | string = never>(o: RestrictedContainerOptions<Id> = {}) {
  return {
    allowPrivilegeEscalation: false,
    ...(o.privileged === false ? {} : { privileged: false }),
    ...(o.readOnlyRootFilesystem ? { readOnlyRootFilesystem: true } : {}),
    runAsNonRoot: true,
    ...(o.runAs ? { runAsUser: o.runAs.user, runAsGroup: o.runAs.group } : {}),
    capabilities: { drop: ['ALL'], ...(o.add ? { add: [...o.add] } : {}) },
    ...(o.seccomp === false ? {} : { seccompProfile: seccompRuntimeDefault() }),
  };
}

/**
 * A pod security context of the `restricted` level: non-root, the runtime's seccomp profile, and the IDs given
 * (numbers for manifests and Helm values, strings for the provider bindings).
 */
export function restrictedPodSecurity<Id extends number | string>(ids: {
  readonly runAsUser?: Id;
  readonly runAsGroup?: Id;
  readonly fsGroup?: Id;
  readonly fsGroupChangePolicy?: 'OnRootMismatch' | 'Always';
}) {
  return { runAsNonRoot: true, ...ids, seccompProfile: seccompRuntimeDefault() };
}

/**
 * Topology spread that counts only the nodes a pod may use. With the defaults (`nodeTaintsPolicy: Ignore`), nodes
 * the pod does not tolerate (tainted GPU nodes) count as empty domains, so a `DoNotSchedule` spread of N replicas
 * needs N untainted nodes plus one to roll. Both fields are beta since Kubernetes 1.26 and GA in 1.33.
 */
export const SPREAD_HONOR = { nodeTaintsPolicy: 'Honor', nodeAffinityPolicy: 'Honor' } as const;

/**
 * One replica per node: `required` refuses to place two on one node (DoNotSchedule), otherwise the scheduler only
 * tries to (ScheduleAnyway). Counts only the nodes the pods may use (SPREAD_HONOR).
 */
export function spreadOverNodes(matchLabels: Readonly<Record<string, string>>, required: boolean) {
  return {
    maxSkew: 1,
    topologyKey: 'kubernetes.io/hostname',
    whenUnsatisfiable: required ? ('DoNotSchedule' as const) : ('ScheduleAnyway' as const),
    ...SPREAD_HONOR,
    labelSelector: { matchLabels: { ...matchLabels } },
  };
}
