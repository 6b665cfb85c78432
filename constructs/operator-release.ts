import type { ChartRef } from '../charts/catalogue';
import { PodSecurityNamespace } from './pod-security-namespace';
import type { Release } from './private/bindings';
import { Construct } from './private/cdktf';
import { pinnedRelease } from './private/pinned-release';

export interface OperatorReleaseProps {
  /** Release and namespace name. */
  readonly name: string;
  readonly chart: ChartRef;
  readonly values: object;
  /** @default 600 */
  readonly timeoutSeconds?: number;
}

/** A cluster operator (CloudNativePG, cert-manager) with its CRDs, in its own restricted namespace. */
export class OperatorRelease extends Construct {
  readonly namespace: PodSecurityNamespace;
  readonly release: Release;

  constructor(scope: Construct, id: string, props: OperatorReleaseProps) {
    super(scope, id);
    this.namespace = new PodSecurityNamespace(this, 'namespace', { name: props.name, role: 'platform' });
    this.release = pinnedRelease(this, 'release', {
      name: props.name,
      namespace: this.namespace.name,
      chart: props.chart,
      values: props.values,
      timeoutSeconds: props.timeoutSeconds ?? 600,
    });
  }
}
