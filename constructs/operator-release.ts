import type { ChartRef } from '../charts/pins';
import type { Release } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { pinnedRelease } from './private/pinned-release';

export interface OperatorReleaseProps {
  /** Release name. */
  readonly name: string;
  /** Namespace, created beforehand (the environment's namespaces stack). */
  readonly namespace: string;
  readonly chart: ChartRef;
  readonly values: object;
  /** @default 600 */
  readonly timeoutSeconds?: number;
}

/** A cluster operator (CloudNativePG, cert-manager) with its CRDs, in its own (restricted) namespace. */
export class OperatorRelease extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: OperatorReleaseProps) {
    super(scope, id);
    this.release = pinnedRelease(this, 'release', {
      name: props.name,
      namespace: props.namespace,
      chart: props.chart,
      values: props.values,
      timeoutSeconds: props.timeoutSeconds ?? 600,
    });
  }
}
