import { CHARTS } from '../charts/pins';
import { LANGFUSE_WEB_PORT, langfuseValues, type LangfuseValuesOptions } from '../charts/langfuse';

/** The keys of the credentials Secret and of the S3 config Secret, for the stack's `secrets` list. */
export { LANGFUSE_CREDENTIAL_KEYS, SEAWEEDFS_S3_CONFIG_KEY } from '../charts/langfuse';
import type { Release } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import type { PodSecurityNamespaceProps } from './pod-security-namespace';
import { pinnedRelease } from './private/pinned-release';

/** Release name; the chart names its objects after it (`langfuse-web`, `langfuse-worker`, `langfuse-postgresql`, ...). */
export const LANGFUSE_RELEASE = 'langfuse';

/**
 * The tracing namespace's level. The Langfuse, Postgres, Valkey and SeaweedFS pods get restricted security contexts
 * from our values, but the ClickHouse server and Keeper pods are made by the ClickHouse operator from the
 * ClickHouseCluster/KeeperCluster the chart renders, and the chart passes no security context to them
 * (templates/clickhouse/cluster.yaml, keeper.yaml): what the operator sets was not verified, so the namespace
 * enforces `baseline` (no host access, no privilege) rather than `restricted`.
 */
export const LANGFUSE_POD_SECURITY: Pick<PodSecurityNamespaceProps, 'level' | 'exceptionReason'> = {
  level: 'baseline',
  exceptionReason:
    "Langfuse's ClickHouse server and Keeper pods are made by the ClickHouse operator, and the Langfuse chart passes them no security context; the other Langfuse pods run restricted security contexts.",
};

/** The in-cluster URL of the web Service (the gateway's LANGFUSE_HOST). */
export const langfuseWebUrl = (namespace: string): string => `http://${LANGFUSE_RELEASE}-web.${namespace}.svc.cluster.local:${LANGFUSE_WEB_PORT}`;

/** Labels of the web pods (the chart's selector labels and component). */
export const LANGFUSE_WEB_POD_LABELS = { 'app.kubernetes.io/instance': LANGFUSE_RELEASE, 'app.kubernetes.io/name': 'langfuse', 'app.kubernetes.io/component': 'web' } as const;

export interface LangfuseTracingProps extends Omit<LangfuseValuesOptions, 'nextauthUrl'> {
  readonly namespace: string;
  /** Refuse `terraform destroy` of the release (its volumes hold the traces). @default false */
  readonly preventDestroy?: boolean;
}

/**
 * Langfuse in the cluster: the chart's web and worker and the datastores it deploys (Postgres, Valkey, SeaweedFS,
 * ClickHouse through the ClickHouse operator, which must be installed first). Credentials only from existing Secrets
 * (charts/langfuse.ts). Who may reach it is the NetworkPolicy of its namespace (the observability stack).
 */
export class LangfuseTracing extends Construct {
  readonly release: Release;
  /** The web Service's in-cluster URL. */
  readonly webUrl: string;
  readonly webPort = LANGFUSE_WEB_PORT;

  constructor(scope: Construct, id: string, props: LangfuseTracingProps) {
    super(scope, id);
    const { namespace, preventDestroy, ...options } = props;
    this.webUrl = langfuseWebUrl(namespace);
    this.release = pinnedRelease(this, 'release', {
      name: LANGFUSE_RELEASE,
      namespace,
      chart: CHARTS.langfuse,
      // no ingress: the UI is reached with kubectl port-forward, so NextAuth's URL is the in-cluster one
      values: langfuseValues({ ...options, nextauthUrl: this.webUrl }),
      // volumes, the ClickHouse cluster through its operator, and the first migrations
      timeoutSeconds: 1200,
      preventDestroy,
    });
  }
}
