/** Typed values for CloudNativePG: the operator chart and the `cluster` chart (pinned in `CHARTS`). */

/** The operator: restricted security context as the chart ships it, CRDs installed with it. */
export function cloudnativePgOperatorValues(): object {
  return {
    crds: { create: true },
    replicaCount: 1,
    resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { memory: '512Mi' } },
  };
}

/**
 * Backups use CloudNativePG's in-tree Barman Cloud (`backups.method: barmanObjectStore`), deprecated since 1.26 in
 * favour of the Barman Cloud plugin. The plugin is not used: the cluster chart 0.8.1 can render it
 * (`backups.method: plugin`, an ObjectStore from templates/backup-objectstore.yaml), but it needs the plugin
 * itself installed (its own chart, not pinned here, with cert-manager for its TLS) and a migration of the existing
 * WAL archive. So the operator stays on a version with in-tree support: the 1.29.2 release notes (#11083) say it
 * is removed in 1.31.0 (the 1.31 docs later say 1.32.0); we hold the earlier date.
 * test/charts/cloudnative-pg-backups.test.ts fails when the pinned operator reaches it while in-tree backups remain.
 */
export const IN_TREE_BARMAN_METHOD = 'barmanObjectStore';
export const IN_TREE_BARMAN_REMOVED_IN = '1.31.0';

/** Whether a CloudNativePG operator version still has in-tree Barman Cloud backups. */
export function hasInTreeBarman(appVersion: string): boolean {
  const parse = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const [a = 0, b = 0, c = 0] = parse(appVersion);
  const [x = 0, y = 0, z = 0] = parse(IN_TREE_BARMAN_REMOVED_IN);
  return a !== x ? a < x : b !== y ? b < y : c < z;
}

/** The Postgres image the clusters run (CloudNativePG's operand image, pinned). */
export const POSTGRES_IMAGE = 'ghcr.io/cloudnative-pg/postgresql:17.5';

export interface PostgresClusterValuesOptions {
  /** Cluster name: the Cluster resource, its `<name>-rw` Service and `<name>-app` Secret take it. */
  readonly name: string;
  readonly instances: number;
  readonly database: string;
  readonly owner: string;
  readonly storageGiB: number;
  readonly storageClass?: string;
  /** SQL run in the application database after it is created (extensions, tables). */
  readonly postInitApplicationSql?: readonly string[];
  readonly imageName?: string;
  /** Scheduled base backups and WAL archiving to S3. @default - none */
  readonly backup?: {
    readonly destinationPath: string;
    readonly region?: string;
    readonly endpointURL?: string;
    /** Existing Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY. */
    readonly secretName: string;
    /** Five-field cron. */
    readonly schedule: string;
    readonly retentionDays: number;
  };
}

/** A Postgres cluster; credentials are generated in the cluster by the operator, never in Terraform. */
export function postgresClusterValues(o: PostgresClusterValuesOptions): object {
  return {
    fullnameOverride: o.name,
    type: 'postgresql',
    mode: 'standalone',
    cluster: {
      instances: o.instances,
      imageName: o.imageName ?? POSTGRES_IMAGE,
      storage: { size: `${o.storageGiB}Gi`, ...(o.storageClass ? { storageClass: o.storageClass } : {}) },
      enableSuperuserAccess: false,
      enablePDB: o.instances > 1,
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      initdb: {
        database: o.database,
        owner: o.owner,
        ...(o.postInitApplicationSql && o.postInitApplicationSql.length > 0 ? { postInitApplicationSQL: [...o.postInitApplicationSql] } : {}),
      },
    },
    ...(o.backup
      ? {
          backups: {
            enabled: true,
            method: IN_TREE_BARMAN_METHOD,
            provider: 's3',
            destinationPath: o.backup.destinationPath,
            ...(o.backup.endpointURL ? { endpointURL: o.backup.endpointURL } : {}),
            ...(o.backup.region ? { s3: { region: o.backup.region } } : {}),
            secret: { create: false, name: o.backup.secretName },
            // CloudNativePG's schedules have a seconds field in front.
            scheduledBackups: [{ name: 'scheduled', schedule: `0 ${o.backup.schedule}`, backupOwnerReference: 'self', method: IN_TREE_BARMAN_METHOD }],
            retentionPolicy: `${o.backup.retentionDays}d`,
          },
        }
      : {}),
  };
}
