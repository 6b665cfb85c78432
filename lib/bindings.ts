/**
 * Provider bindings, imported by deep path: the packages' index costs ~0.7 s to load, a deep import ~0.05 s.
 * Typed bindings are our schema check: no casts around their props.
 */
export { Release } from '@cdktf/provider-helm/lib/release';
export { HelmProvider } from '@cdktf/provider-helm/lib/provider';
export { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
export { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
export { Labels } from '@cdktf/provider-kubernetes/lib/labels';
export { NodeTaint } from '@cdktf/provider-kubernetes/lib/node-taint';
export { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
export { StatefulSetV1 } from '@cdktf/provider-kubernetes/lib/stateful-set-v1';
export { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
export { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
export { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
export { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
export { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
export { JobV1 } from '@cdktf/provider-kubernetes/lib/job-v1';
export { PersistentVolumeClaimV1 } from '@cdktf/provider-kubernetes/lib/persistent-volume-claim-v1';
export { CronJobV1 } from '@cdktf/provider-kubernetes/lib/cron-job-v1';
export { DefaultServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/default-service-account-v1';
export { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
export { ClusterRoleV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-v1';
export { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
