import type { ChartRef } from '../../charts/pins';
import { toValuesYaml } from '../../lib/values-yaml';
import { Release } from '../../lib/bindings';
import type { Construct, ITerraformDependable } from '../../lib/cdktf';

export interface PinnedReleaseProps {
  /** Helm release name (53 characters at most). */
  readonly name: string;
  readonly namespace: string;
  readonly chart: ChartRef;
  /** Typed values; rendered as YAML with sorted keys. Never put secret material here. */
  readonly values: object;
  /** How long install or upgrade may take, images and models included. */
  readonly timeoutSeconds: number;
  /** Refuse `terraform destroy` (stateful releases in prod, POLICY 15). @default false */
  readonly preventDestroy?: boolean;
  /** Skip Helm's OpenAPI validation (a chart whose upgrade hook installs the CRDs its templates use). @default false */
  readonly disableOpenapiValidation?: boolean;
  /** What must exist first. @default - none */
  readonly dependsOn?: ITerraformDependable[];
}

/** Releases kept for rollback (POLICY 14: between 1 and 10). */
export const HELM_MAX_HISTORY = 5;

/**
 * A helm_release with the safety settings every release of ours carries (POLICY 14): exact chart version,
 * atomic with cleanup on failure, wait, a timeout sized by the caller, bounded history.
 */
export function pinnedRelease(scope: Construct, id: string, props: PinnedReleaseProps): Release {
  if (props.name.length > 53) {
    throw new Error(`Helm release name "${props.name}" is ${props.name.length} characters; Helm allows 53`);
  }
  return new Release(scope, id, {
    name: props.name,
    namespace: props.namespace,
    repository: props.chart.repository,
    chart: props.chart.chart,
    version: props.chart.version,
    values: [toValuesYaml(props.values)],
    atomic: true,
    cleanupOnFail: true,
    wait: true,
    timeout: props.timeoutSeconds,
    maxHistory: HELM_MAX_HISTORY,
    createNamespace: false,
    ...(props.disableOpenapiValidation ? { disableOpenapiValidation: true } : {}),
    ...(props.preventDestroy ? { lifecycle: { preventDestroy: true } } : {}),
    ...(props.dependsOn ? { dependsOn: props.dependsOn } : {}),
  });
}
