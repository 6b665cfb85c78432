/** LangfuseTracing alone: the pinned chart, the in-cluster web URL as NextAuth's, prevent_destroy on request. */
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { LANGFUSE_POD_SECURITY, LANGFUSE_RELEASE, LangfuseTracing, langfuseWebUrl, type LangfuseTracingProps } from '../../constructs/langfuse-tracing';
import { onlyReleaseValues, resourcesIn, synthScope } from '../support/construct';

const PROPS: LangfuseTracingProps = {
  namespace: 'traces',
  credentialsSecret: 'lf-creds',
  s3ConfigSecret: 'lf-s3',
  storage: { postgresGiB: 5, clickhouseGiB: 30, keeperGiB: 2, redisGiB: 1, s3GiB: 10 },
  clickhouseReplicas: 2,
  webReplicas: 1,
};
const synth = (props: Partial<LangfuseTracingProps> = {}) => synthScope((scope) => new LangfuseTracing(scope, 'langfuse', { ...PROPS, ...props }));

describe('LangfuseTracing', () => {
  it('installs the pinned chart into its namespace, atomically, with a long timeout', () => {
    const [release] = resourcesIn(synth(), 'helm_release');
    expect(release).toMatchObject({ name: LANGFUSE_RELEASE, namespace: 'traces', chart: 'langfuse', repository: CHARTS.langfuse.repository, version: CHARTS.langfuse.version, atomic: true, wait: true });
    expect(release!.timeout).toBeGreaterThanOrEqual(600);
    expect(release!.lifecycle).toBeUndefined();
  });

  it("gives NextAuth the web Service's in-cluster URL, in the namespace it runs in", () => {
    const v = onlyReleaseValues(synth());
    expect(langfuseWebUrl('traces')).toBe('http://langfuse-web.traces.svc.cluster.local:3000');
    expect(v.langfuse.nextauth.url).toBe(langfuseWebUrl('traces'));
    expect(v.clickhouse.keeper.replicas).toBe(3);
    expect(v.postgresql.auth.existingSecret).toBe('lf-creds');
    expect(v.s3.allInOne.s3.existingConfigSecret).toBe('lf-s3');
  });

  it('refuses terraform destroy when asked (prod)', () => {
    const [release] = resourcesIn(synth({ preventDestroy: true }), 'helm_release');
    expect(release!.lifecycle).toEqual({ prevent_destroy: true });
  });

  it('declares why its namespace is not restricted', () => {
    expect(LANGFUSE_POD_SECURITY.level).toBe('baseline');
    expect(LANGFUSE_POD_SECURITY.exceptionReason).toMatch(/ClickHouse operator/);
  });
});
