/** What the stacks do not create: `doctor` lists it (and looks for it when it can). */
import { expect, it } from 'vitest';
import { prerequisites } from '../../bin/commands/doctor';
import { presetEnv } from '../support/synth';

it('names the cert-manager issuer of staging and how to look for it', () => {
  const staging = prerequisites(presetEnv('staging'));
  expect(staging.find((p) => p.name === 'ClusterIssuer letsencrypt')).toMatchObject({ kubectl: ['get', 'clusterissuer', 'letsencrypt'] });
  expect(staging.find((p) => p.name === 'load-balancer controller')?.detail).toMatch(/LoadBalancer Service edge\/edge.*MetalLB/);
});

it('names a load-balancer controller only where a LoadBalancer Service is asked for', () => {
  expect(prerequisites(presetEnv('prod')).map((p) => p.name)).toEqual(['load-balancer controller']);
  expect(prerequisites(presetEnv('dev'))).toEqual([]);
  const env = structuredClone(presetEnv('staging'));
  env.edge!.tls = { mode: 'cert-manager', issuer: { kind: 'Issuer', name: 'internal-ca' } };
  expect(prerequisites(env).find((p) => p.name === 'Issuer edge/internal-ca')).toMatchObject({ kubectl: ['get', 'issuer', 'internal-ca', '-n', 'edge'] });
});

it("names the ClickHouse operator's CRDs where Langfuse runs in the cluster (staging), and how to look for them", () => {
  const staging = prerequisites(presetEnv('staging'));
  expect(staging.find((p) => p.name === 'ClickHouse operator')).toMatchObject({
    kubectl: ['get', 'crd', 'clickhouseclusters.clickhouse.com', 'keeperclusters.clickhouse.com'],
    detail: expect.stringMatching(/observability\.tracing\.inCluster.*ClickHouseCluster and KeeperCluster/),
  });
  expect(prerequisites(presetEnv('prod')).map((p) => p.name)).not.toContain('ClickHouse operator');
});
