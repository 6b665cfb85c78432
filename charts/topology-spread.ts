/**
 * Topology spread that counts only the nodes a pod may use. With the defaults (`nodeTaintsPolicy: Ignore`), nodes
 * the pod does not tolerate (tainted GPU nodes) count as empty domains, so a `DoNotSchedule` spread of N replicas
 * needs N untainted nodes plus one to roll. Both fields are beta since Kubernetes 1.26 and GA in 1.33.
 */
export const SPREAD_HONOR = { nodeTaintsPolicy: 'Honor', nodeAffinityPolicy: 'Honor' } as const;
