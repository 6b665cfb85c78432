/**
 * observability.tracing `{ type: langfuse, inCluster }` (the staging preset): the Langfuse release in the `tracing`
 * namespace, its Secrets listed for `inference-stack secrets`, the namespace's Pod Security level and the
 * NetworkPolicies that let only the gateway reach the web port; prod-only prevent_destroy on the release.
 */
import { describe, expect, it } from 'vitest';
import type { Environment } from '../../environments/schema';
import { LANGFUSE_CREDENTIAL_KEYS } from '../../charts/langfuse';
import { helmReleases, presetEnv, releaseValues, resourcesOf, stacksOf, synthEnvJson, synthesisOf } from '../support/synth';

const staging = stacksOf('staging');
const langfuseRelease = (stacks: typeof staging, env: string) => helmReleases(stacks[`${env}-observability`]!).find((r) => r.chart === 'langfuse');

describe('an in-cluster Langfuse (staging)', () => {
  it('installs the pinned chart in the tracing namespace', () => {
    const r = langfuseRelease(staging, 'staging')!;
    expect(r).toMatchObject({ name: 'langfuse', namespace: 'tracing', repository: 'https://langfuse.github.io/langfuse-k8s', version: '2.0.0' });
    const v = releaseValues(r) as any;
    expect(v.langfuse.nextauth.url).toBe('http://langfuse-web.tracing.svc.cluster.local:3000');
    // staging's override of the ClickHouse volume, the defaults elsewhere
    expect(v.clickhouse.cluster.storage.size).toBe('50Gi');
    expect(v.postgresql.storage.requestedSize).toBe('20Gi');
  });

  it('makes the tracing namespace baseline, with the reason, and no other preset has it', () => {
    const ns = resourcesOf(staging['staging-namespaces']!, 'kubernetes_namespace_v1').find((n: any) => n.metadata.name === 'tracing') as any;
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(JSON.stringify(ns.metadata.annotations ?? {})).toMatch(/ClickHouse operator/);
    for (const env of ['dev', 'prod']) {
      const names = resourcesOf(stacksOf(env)[`${env}-namespaces`]!, 'kubernetes_namespace_v1').map((n: any) => n.metadata.name);
      expect(names, env).not.toContain('tracing');
      expect(langfuseRelease(stacksOf(env), env), env).toBeUndefined();
    }
  });

  it('lets only the gateway reach the web port, and Langfuse\'s own pods each other', () => {
    const policies = resourcesOf(staging['staging-observability']!, 'kubernetes_network_policy_v1').filter((p: any) => p.metadata.namespace === 'tracing') as any[];
    const byName = Object.fromEntries(policies.map((p) => [p.metadata.name, p.spec]));
    expect(Object.keys(byName).sort()).toEqual(['allow-gateway', 'allow-same-namespace', 'default-deny-ingress']);
    const gw = byName['allow-gateway'];
    expect(gw.pod_selector.match_labels).toEqual({ 'app.kubernetes.io/instance': 'langfuse', 'app.kubernetes.io/name': 'langfuse', 'app.kubernetes.io/component': 'web' });
    expect(gw.ingress[0].from).toEqual([{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'gateway' } }, pod_selector: { match_labels: { 'app.kubernetes.io/name': 'litellm' } } }]);
    expect(gw.ingress[0].ports).toEqual([{ port: '3000', protocol: 'TCP' }]);
    expect(byName['allow-same-namespace'].ingress[0].from).toEqual([{ pod_selector: {} }]);
  });

  it('lists the credentials and the S3 config Secrets with every key the chart reads, and the gateway keys', () => {
    const secrets = synthesisOf('staging').secrets;
    const creds = secrets.find((s) => s.namespace === 'tracing' && s.name === 'langfuse-credentials')!;
    expect([...creds.keys].sort()).toEqual(Object.values(LANGFUSE_CREDENTIAL_KEYS).map((k) => k.key).sort());
    expect(creds.command).toMatch(/--from-literal=USERDB_USER=langfuse( |$)/);
    expect(creds.command).toMatch(/--from-literal=encryption-key="\$\(openssl rand -hex 32\)"/);
    expect(secrets.find((s) => s.namespace === 'tracing' && s.name === 'langfuse-s3-config')?.keys).toEqual(['seaweedfs_s3_config']);
    expect(secrets.find((s) => s.namespace === 'gateway' && s.name === 'langfuse-keys')?.keys.slice().sort()).toEqual(['public-key', 'secret-key']);
  });

  it('keeps prevent_destroy on the release and its namespace only in prod', () => {
    const prod = presetEnv('prod');
    // staging's settings (defaults filled in), in prod
    const inCluster = presetEnv('staging').observability.tracing;
    const stacks = synthEnvJson({ ...prod, observability: { ...prod.observability, tracing: inCluster } } as Environment);
    const r = langfuseRelease(stacks, 'prod') as any;
    expect(r.lifecycle).toEqual({ prevent_destroy: true });
    // and the namespace, whose deletion would delete the volumes
    const ns = resourcesOf(stacks['prod-namespaces']!, 'kubernetes_namespace_v1').find((n: any) => n.metadata.name === 'tracing') as any;
    expect(ns.lifecycle).toEqual({ prevent_destroy: true });
    expect((langfuseRelease(staging, 'staging') as any).lifecycle).toBeUndefined();
  });
});
