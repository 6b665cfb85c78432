import { CHARTS } from '../charts/pins';
import { FLUENT_BIT_HTTP_PORT, fluentBitValues, type FluentBitOptions } from '../charts/fluent-bit';
import type { Release } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { terraformLiteral } from '../lib/terraform-literal';
import type { PodSecurityNamespaceProps } from './pod-security-namespace';
import { pinnedRelease } from './private/pinned-release';

/**
 * The log shipper's namespace level: hostPath volumes are refused by `baseline` and `restricted` (Pod Security
 * Standards, "HostPath Volumes"), so only `privileged` admits a node log collector.
 */
export const LOG_SHIPPER_POD_SECURITY: Pick<PodSecurityNamespaceProps, 'level' | 'exceptionReason'> = {
  level: 'privileged',
  exceptionReason: "Fluent Bit reads the nodes' container logs through a read-only hostPath /var/log and keeps its read offsets in hostPath /var/lib/fluent-bit; baseline and restricted refuse hostPath volumes.",
};

/**
 * The pipeline text as a Terraform literal: its `${VAR}` are Fluent Bit's env variables, not Terraform's (the
 * environment's strings in it are escaped already, which terraformLiteral leaves alone).
 */
function literalConfig(values: object): object {
  const v = values as { config: Record<string, string> };
  return { ...values, config: Object.fromEntries(Object.entries(v.config).map(([k, text]) => [k, terraformLiteral(text)])) };
}

/** Release name; the chart names its DaemonSet and pods after it. */
export const LOG_SHIPPER_RELEASE = 'fluent-bit';

export interface LogShipperProps extends FluentBitOptions {
  /** Namespace, created beforehand with LOG_SHIPPER_POD_SECURITY. */
  readonly namespace: string;
}

/**
 * Fluent Bit as a DaemonSet: the container logs of the given namespaces, with Kubernetes metadata and each JSON
 * line merged into the record, forwarded to one sink; credentials by Secret reference only.
 */
export class LogShipper extends Construct {
  readonly release: Release;
  readonly port = FLUENT_BIT_HTTP_PORT;
  /** Labels of the shipper's pods (the chart's selector labels for this release). */
  readonly podLabels = { 'app.kubernetes.io/name': 'fluent-bit', 'app.kubernetes.io/instance': LOG_SHIPPER_RELEASE } as const;

  constructor(scope: Construct, id: string, props: LogShipperProps) {
    super(scope, id);
    const { namespace, ...options } = props;
    this.release = pinnedRelease(this, 'release', {
      name: LOG_SHIPPER_RELEASE,
      namespace,
      chart: CHARTS.fluentBit,
      values: literalConfig(fluentBitValues(options)),
      timeoutSeconds: 600,
    });
  }
}
