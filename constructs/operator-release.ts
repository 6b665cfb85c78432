import type { ChartRef } from '../charts/pins';
import { CHARTS } from '../charts/pins';
import { CERT_MANAGER_METRICS_SERVICE, CERT_MANAGER_NAME, certManagerValues } from '../charts/cert-manager';
import { cloudnativePgOperatorValues } from '../charts/cloudnative-pg';
import { kedaValues } from '../charts/keda';
import { lwsValues } from '../charts/lws';
import type { Release } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { pinnedRelease } from './private/pinned-release';

/** The operators of the platform, each with its pinned chart, release name and values. */
const OPERATORS = {
  cloudnativePg: { name: 'cnpg-system', chart: CHARTS.cloudnativePg, values: cloudnativePgOperatorValues },
  lws: { name: 'lws-system', chart: CHARTS.lws, values: lwsValues },
  keda: { name: 'keda', chart: CHARTS.keda, values: kedaValues },
  certManager: { name: CERT_MANAGER_NAME, chart: CHARTS.certManager, values: certManagerValues },
} as const;

export type PlatformOperator = keyof typeof OPERATORS;

/** cert-manager's release name and the labels and port of its controller's metrics Service, for a scrape target. */
export const CERT_MANAGER_METRICS = { release: CERT_MANAGER_NAME, ...CERT_MANAGER_METRICS_SERVICE } as const;

export type OperatorReleaseProps =
  | {
      /** One of the platform's operators: its pinned chart, release name and values. */
      readonly operator: PlatformOperator;
      /** Namespace, created beforehand (the environment's namespaces stack). */
      readonly namespace: string;
      /** @default 600 */
      readonly timeoutSeconds?: number;
    }
  | {
      /** Release name. */
      readonly name: string;
      /** Namespace, created beforehand (the environment's namespaces stack). */
      readonly namespace: string;
      readonly chart: ChartRef;
      readonly values: object;
      /** @default 600 */
      readonly timeoutSeconds?: number;
    };

/** A cluster operator (CloudNativePG, cert-manager, LWS, KEDA) with its CRDs, in its own (restricted) namespace. */
export class OperatorRelease extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: OperatorReleaseProps) {
    super(scope, id);
    const { name, chart, values } = 'operator' in props ? { ...OPERATORS[props.operator], values: OPERATORS[props.operator].values() } : props;
    this.release = pinnedRelease(this, 'release', {
      name,
      namespace: props.namespace,
      chart,
      values,
      timeoutSeconds: props.timeoutSeconds ?? 600,
    });
  }
}
