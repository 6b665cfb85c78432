import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { PostgresCluster, type PostgresClusterProps } from '../../constructs/postgres-cluster';
import { expectResource, onlyReleaseValues, resourcesIn, synthScope } from '../support/construct';

const base: PostgresClusterProps = { name: 'litellm-db', namespace: 'gateway', instances: 3, database: 'litellm', owner: 'litellm', storageGiB: 20 };

function synth(p: Partial<PostgresClusterProps> = {}): { json: string; cluster: PostgresCluster } {
  let cluster!: PostgresCluster;
  const json = synthScope((s) => {
    cluster = new PostgresCluster(s, 'db', { ...base, ...p });
  });
  return { json, cluster };
}

describe('PostgresCluster', () => {
  it("installs the pinned CloudNativePG cluster chart with the release safety settings and Postgres' longer timeout", () => {
    const { json } = synth();
    expectResource(json, 'helm_release', { name: 'litellm-db', namespace: 'gateway', chart: CHARTS.postgresCluster.chart, version: CHARTS.postgresCluster.version, atomic: true, wait: true, timeout: 900, max_history: 5 });
  });

  it('names its Service and application Secret after the cluster; the operator makes the credentials, Terraform never sees them', () => {
    const { json, cluster } = synth();
    expect(cluster.host).toBe('litellm-db-rw');
    expect(cluster.appSecretName).toBe('litellm-db-app');
    expect(cluster.database).toBe('litellm');
    const values = onlyReleaseValues(json);
    expect(values.fullnameOverride).toBe('litellm-db');
    expect(values.cluster).toMatchObject({ instances: 3, enableSuperuserAccess: false, enablePDB: true, storage: { size: '20Gi' }, initdb: { database: 'litellm', owner: 'litellm' } });
    expect(JSON.stringify(values)).not.toMatch(/password/i);
    expect(resourcesIn(json, 'kubernetes_secret_v1')).toEqual([]);
  });

  it('has no PodDisruptionBudget for a single instance (it would block every node drain)', () => {
    expect(onlyReleaseValues(synth({ instances: 1 }).json).cluster.enablePDB).toBe(false);
  });

  it('runs the application SQL after creating the database, and sets the storage class when given', () => {
    const values = onlyReleaseValues(synth({ postInitApplicationSql: ['CREATE EXTENSION IF NOT EXISTS vector;'], storageClass: 'fast' }).json);
    expect(values.cluster.initdb.postInitApplicationSQL).toEqual(['CREATE EXTENSION IF NOT EXISTS vector;']);
    expect(values.cluster.storage).toEqual({ size: '20Gi', storageClass: 'fast' });
  });

  it('backs up to S3 with credentials by Secret reference, on a CloudNativePG schedule (seconds field first)', () => {
    const values = onlyReleaseValues(synth({ backup: { destinationPath: 's3://bucket/db', region: 'eu-west-1', secretName: 'backup-creds', schedule: '0 3 * * *', retentionDays: 14 } }).json);
    expect(values.backups).toMatchObject({ enabled: true, provider: 's3', destinationPath: 's3://bucket/db', s3: { region: 'eu-west-1' }, secret: { create: false, name: 'backup-creds' }, retentionPolicy: '14d' });
    // ScheduledBackup CRD (cloudnative-pg 0.29.0): "includes an additional seconds specifier"
    expect(values.backups.scheduledBackups).toEqual([expect.objectContaining({ schedule: '0 0 3 * * *' })]);
    expect(onlyReleaseValues(synth().json).backups).toBeUndefined();
  });

  it('refuses terraform destroy only when asked (prod)', () => {
    expectResource(synth({ preventDestroy: true }).json, 'helm_release', { lifecycle: { prevent_destroy: true } });
    expect(resourcesIn(synth().json, 'helm_release')[0]!.lifecycle).toBeUndefined();
  });

  it('fails when the cluster name is longer than a Helm release name may be', () => {
    expect(() => synth({ name: 'p'.repeat(60) })).toThrow(/is 60 characters; Helm allows 53/);
  });
});
