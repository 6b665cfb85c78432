/**
 * The Langfuse values builder against the pinned chart (2.0.0) and its subcharts: every key exists upstream and is
 * read by a template, every credential is a reference to the credentials Secret, every datastore declares storage.
 */
import { describe, expect, it } from 'vitest';
import { LANGFUSE_CREDENTIAL_KEYS, LANGFUSE_UID, langfuseStorageGiB, langfuseValues, type LangfuseValuesOptions } from '../../charts/langfuse';
import { CHARTS } from '../../charts/pins';
import { PodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import { SecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { loadCrds, validateCustomResource } from '../support/crds';
import { FREE_FORM_VALUES, chartReads, leafPaths, readFacts, unknownValueKeys, unreadValueKeys, upstreamValues } from '../support/upstream';

const OPTIONS: LangfuseValuesOptions = {
  credentialsSecret: 'langfuse-credentials',
  s3ConfigSecret: 'langfuse-s3-config',
  nextauthUrl: 'http://langfuse-web.tracing.svc.cluster.local:3000',
  storage: { postgresGiB: 20, clickhouseGiB: 100, keeperGiB: 10, redisGiB: 8, s3GiB: 50 },
  storageClass: 'fast-ssd',
  clickhouseReplicas: 1,
  webReplicas: 2,
};
const values = langfuseValues(OPTIONS);
const reads = chartReads(CHARTS.langfuse.upstreamData);

/** Every `{secretKeyRef: {name, key}}` in a tree, with its path. */
function secretRefs(v: unknown, path = ''): Array<{ path: string; name: string; key: string }> {
  if (Array.isArray(v)) return v.flatMap((x, i) => secretRefs(x, `${path}[${i}]`));
  if (typeof v !== 'object' || v === null) return [];
  const o = v as Record<string, unknown>;
  const own = o.secretKeyRef ? [{ path, ...(o.secretKeyRef as { name: string; key: string }) }] : [];
  return [...own, ...Object.entries(o).flatMap(([k, x]) => secretRefs(x, path ? `${path}.${k}` : k))];
}

describe('langfuseValues', () => {
  it('sets only keys the chart or its subcharts have in values.yaml', () => {
    expect(unknownValueKeys(values, upstreamValues(CHARTS.langfuse.upstreamData), '', FREE_FORM_VALUES.langfuse)).toEqual([]);
  });

  it('sets only keys a template of the chart or of a subchart reads', () => {
    expect(Object.keys(reads.subcharts).sort()).toEqual(['postgresql', 'redis', 's3']);
    expect(leafPaths(values).length).toBeGreaterThan(20);
    expect(unreadValueKeys(values, reads)).toEqual([]);
  });

  it('sets security contexts that are valid Kubernetes objects, of the restricted level', () => {
    const get = (path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], values) as Record<string, unknown>;
    const strip = ({ enabled: _e, ...rest }: Record<string, unknown>) => rest;
    for (const path of [...FREE_FORM_VALUES.langfuse!, 'langfuse.podSecurityContext', 'langfuse.securityContext']) {
      const sc = strip(get(path));
      const pod = /podSecurityContext$/.test(path);
      const model = (pod ? new PodSecurityContext(sc as never) : new SecurityContext(sc as never)) as unknown as { validate(): void };
      expect(() => model.validate(), path).not.toThrow();
      expect(sc.runAsNonRoot, path).toBe(true);
      expect(sc.seccompProfile, path).toEqual({ type: 'RuntimeDefault' });
      if (!pod) expect(sc, path).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    }
  });

  it("runs web and worker as the images' own numeric user (their Dockerfiles, via the app env facts)", () => {
    const containers = readFacts<{ containers: Record<'web' | 'worker', { user: string; source: string[] }> }>('flags/langfuse-v4.4.0-env.json').containers;
    for (const c of ['web', 'worker'] as const) {
      expect(/UID (\d+)/.exec(containers[c].user)?.[1], c).toBe(String(LANGFUSE_UID));
      expect(containers[c].source.join('\n'), c).toMatch(/Dockerfile.*USER/);
    }
    expect((values as any).langfuse.securityContext).toMatchObject({ runAsUser: LANGFUSE_UID, runAsNonRoot: true });
  });

  it('would report a misspelt key (the check can fail)', () => {
    expect(unreadValueKeys({ clickhouse: { cluster: { storage: { sise: '1Gi' } } } }, reads)).toEqual(['clickhouse.cluster.storage.sise']);
  });

  it('takes every credential from the credentials Secret, and sets no credential value', () => {
    const refs = secretRefs(values);
    expect(new Set(refs.map((r) => r.name))).toEqual(new Set([OPTIONS.credentialsSecret]));
    const keys = new Set(Object.values(LANGFUSE_CREDENTIAL_KEYS).map((k) => k.key));
    for (const r of refs) expect(keys, r.path).toContain(r.key);
    // the chart's own `value` / `password` options stay unset (it would put them into a Secret it renders)
    const text = JSON.stringify({ ...values, langfuse: { ...(values.langfuse as object), additionalEnv: [] } });
    expect(text).not.toMatch(/"(value|password|rootPassword)":"[^"]/);
    const v = values as { langfuse: Record<string, { secretKeyRef?: unknown }>; postgresql: { auth: Record<string, unknown> }; redis: { auth: Record<string, unknown> }; clickhouse: { auth: Record<string, unknown> } };
    for (const k of ['salt', 'encryptionKey']) expect(v.langfuse[k]?.secretKeyRef, k).toBeDefined();
    expect(v.postgresql.auth.existingSecret).toBe(OPTIONS.credentialsSecret);
    expect(v.redis.auth.existingSecret).toBe(OPTIONS.credentialsSecret);
    expect(v.clickhouse.auth.existingSecret).toBe(OPTIONS.credentialsSecret);
  });

  it('creates the project with keys from the Secret through LANGFUSE_INIT_* names the app reads', () => {
    const env = (values as { langfuse: { additionalEnv: Array<{ name: string }> } }).langfuse.additionalEnv.map((e) => e.name);
    const appEnv = readFacts<Record<string, unknown>>('flags/langfuse-v4.4.0-env.json')['all_env_names_v4.4.0'] as string[];
    expect(env).toContain('LANGFUSE_INIT_PROJECT_PUBLIC_KEY');
    expect(env).toContain('LANGFUSE_INIT_PROJECT_SECRET_KEY');
    for (const name of env) expect(appEnv, name).toContain(name);
  });

  it('creates an admin user from the Secret, since sign-up is off (else nobody could log in to the UI)', () => {
    const v = values as { langfuse: { features: { signUpDisabled: boolean }; additionalEnv: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } }> } };
    expect(v.langfuse.features.signUpDisabled).toBe(true);
    const env = Object.fromEntries(v.langfuse.additionalEnv.map((e) => [e.name, e]));
    expect(env.LANGFUSE_INIT_USER_EMAIL?.valueFrom?.secretKeyRef.key).toBe(LANGFUSE_CREDENTIAL_KEYS.adminEmail.key);
    expect(env.LANGFUSE_INIT_USER_PASSWORD?.valueFrom?.secretKeyRef.key).toBe(LANGFUSE_CREDENTIAL_KEYS.adminPassword.key);
    expect(env.LANGFUSE_INIT_USER_NAME?.value).toBeTruthy();
  });

  it('declares the storage of every stateful service from the options', () => {
    const v = values as Record<string, Record<string, unknown>>;
    expect(v.postgresql!.storage).toEqual({ className: 'fast-ssd', requestedSize: '20Gi' });
    expect(v.redis!.dataStorage).toMatchObject({ className: 'fast-ssd', requestedSize: '8Gi' });
    expect((v.clickhouse!.cluster as { storage: unknown }).storage).toEqual({ className: 'fast-ssd', size: '100Gi' });
    expect((v.clickhouse!.keeper as { storage: unknown }).storage).toEqual({ className: 'fast-ssd', size: '10Gi' });
    expect((v.s3!.allInOne as { data: unknown }).data).toEqual({ size: '50Gi', storageClass: 'fast-ssd' });
  });

  it('runs a keeper quorum of 3 only with more than one ClickHouse replica', () => {
    const keeper = (n: number) => (langfuseValues({ ...OPTIONS, clickhouseReplicas: n }) as { clickhouse: { keeper: { replicas: number } } }).clickhouse.keeper.replicas;
    expect([keeper(1), keeper(2)]).toEqual([1, 3]);
  });

  it('pins the Langfuse images to the chart\'s appVersion and Postgres to its subchart\'s exact appVersion', () => {
    const v = values as { langfuse: { image: { tag: string } }; postgresql: { image: { tag: string } } };
    expect(v.langfuse.image.tag).toBe(readFacts<{ chart: { appVersion: string } }>('charts/langfuse/2.0.0/chart.json').chart.appVersion);
    expect(v.postgresql.image.tag).toBe(readFacts<{ chart: { appVersion: string } }>('charts/postgres/1.6.3/chart.json').chart.appVersion);
  });

  it('pins every datastore image to an exact release, not the chart\'s moving tags ("8.0", "26.4")', () => {
    const v = values as Record<string, any>;
    const tags = {
      valkey: v.redis.image.tag,
      clickhouseServer: v.clickhouse.cluster.image.tag,
      clickhouseKeeper: v.clickhouse.keeper.image.tag,
      seaweedfs: v.s3.allInOne.image.tag,
      postgres: v.postgresql.image.tag,
    };
    // exact: major.minor.patch for Valkey and Postgres' minor, ClickHouse's four-part build, SeaweedFS' own X.YY release
    expect(tags.valkey).toMatch(/^\d+\.\d+\.\d+$/);
    expect(tags.clickhouseServer).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(tags.clickhouseKeeper).toBe(tags.clickhouseServer);
    expect(tags.seaweedfs).toMatch(/^\d+\.\d+$/);
    expect(tags.postgres).toMatch(/^\d+\.\d+$/);
  });

  it('estimates the volumes it claims: each ClickHouse and Keeper replica its own', () => {
    // staging: 20 + 8 + 50 + 50 x 1 + 10 x 1 = 138 GiB; with 2 ClickHouse replicas: 20 + 8 + 50 + 50 x 2 + 10 x 3 = 208
    const staging = { postgresGiB: 20, clickhouseGiB: 50, keeperGiB: 10, redisGiB: 8, s3GiB: 50 };
    expect(langfuseStorageGiB(staging, 1)).toBe(138);
    expect(langfuseStorageGiB(staging, 2)).toBe(208);
  });

  it('renders a ClickHouseCluster and a KeeperCluster that validate against the operator CRDs (v0.0.2)', () => {
    // the CRs as templates/clickhouse/cluster.yaml and keeper.yaml render them from our values and the chart's defaults
    const v = values as any;
    const defaults = upstreamValues(CHARTS.langfuse.upstreamData) as any;
    const part = (p: 'cluster' | 'keeper') => ({
      replicas: v.clickhouse[p].replicas,
      dataVolumeClaimSpec: { accessModes: defaults.clickhouse[p].storage.accessModes, storageClassName: v.clickhouse[p].storage.className, resources: { requests: { storage: v.clickhouse[p].storage.size } } },
      containerTemplate: { image: { repository: defaults.clickhouse[p].image.repository, tag: String(defaults.clickhouse[p].image.tag) }, resources: defaults.clickhouse[p].resources },
    });
    const crds = loadCrds();
    const meta = { name: 'langfuse', namespace: 'tracing' };
    const cluster = { apiVersion: 'clickhouse.com/v1alpha1', kind: 'ClickHouseCluster', metadata: meta, spec: { ...part('cluster'), shards: 1, keeperClusterRef: { name: 'langfuse' }, settings: { defaultUserPassword: { secret: { name: v.clickhouse.auth.existingSecret, key: v.clickhouse.auth.existingSecretKey } } } } };
    const keeper = { apiVersion: 'clickhouse.com/v1alpha1', kind: 'KeeperCluster', metadata: meta, spec: part('keeper') };
    expect(validateCustomResource(crds, cluster)).toEqual([]);
    expect(validateCustomResource(crds, keeper)).toEqual([]);
    // and a wrong type is reported (the check can fail)
    expect(validateCustomResource(crds, { ...keeper, spec: { ...keeper.spec, replicas: 'three' } })).not.toEqual([]);
  });

  it('is written with sorted keys', () => {
    const keysSorted = (v: unknown): boolean =>
      Array.isArray(v) ? v.every(keysSorted) : typeof v === 'object' && v !== null ? Object.keys(v).join() === Object.keys(v).sort().join() && Object.values(v).every(keysSorted) : true;
    expect(keysSorted(values)).toBe(true);
  });
});
