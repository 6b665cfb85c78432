/** Typed values for CloudNativePG: the operator chart and the `cluster` chart (pinned in `CHARTS`). */

/** The operator: restricted security context as the chart ships it, CRDs installed with it. */
export function cloudnativePgOperatorValues(): object {
  return {
    crds: { create: true },
    replicaCount: 1,
    resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { memory: '512Mi' } },
  };
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
            method: 'barmanObjectStore',
            provider: 's3',
            destinationPath: o.backup.destinationPath,
            ...(o.backup.endpointURL ? { endpointURL: o.backup.endpointURL } : {}),
            ...(o.backup.region ? { s3: { region: o.backup.region } } : {}),
            secret: { create: false, name: o.backup.secretName },
            // CloudNativePG's schedules have a seconds field in front.
            scheduledBackups: [{ name: 'scheduled', schedule: `0 ${o.backup.schedule}`, backupOwnerReference: 'self', method: 'barmanObjectStore' }],
            retentionPolicy: `${o.backup.retentionDays}d`,
          },
        }
      : {}),
  };
}
