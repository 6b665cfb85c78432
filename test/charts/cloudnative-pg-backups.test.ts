/**
 * pgvector backups use CloudNativePG's in-tree Barman Cloud, which the operator removes (1.31.0 by the 1.29.2
 * release notes): the pinned operator must still have it while any backup uses it.
 */
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { IN_TREE_BARMAN_METHOD, hasInTreeBarman } from '../../charts/cloudnative-pg';
import { chartFacts } from '../support/upstream';
import { helmReleases, presetEnv, releaseValues, synthEnvJson } from '../support/synth';

const operatorAppVersion = chartFacts(CHARTS.cloudnativePg.upstreamData).chart.appVersion!;

describe('in-tree Barman Cloud backups and the pinned CloudNativePG operator', () => {
  it('knows which versions have in-tree Barman Cloud', () => {
    expect(hasInTreeBarman('1.30.0')).toBe(true);
    expect(hasInTreeBarman('1.30.9')).toBe(true);
    expect(hasInTreeBarman('1.31.0')).toBe(false);
    expect(hasInTreeBarman('v2.0.0')).toBe(false);
  });

  it('prod backs its pgvector store up with in-tree Barman Cloud, so the pinned operator must still have it', () => {
    const rag = synthEnvJson(presetEnv('prod'))['prod-rag']!;
    const cluster = helmReleases(rag).find((r) => r.chart === CHARTS.postgresCluster.chart)!;
    const backups = (releaseValues(cluster) as { backups: { method: string; scheduledBackups: Array<{ method: string }> } }).backups;
    expect(backups.method).toBe(IN_TREE_BARMAN_METHOD);
    expect(backups.scheduledBackups.map((b) => b.method)).toEqual([IN_TREE_BARMAN_METHOD]);
    expect(
      hasInTreeBarman(operatorAppVersion),
      `CloudNativePG ${operatorAppVersion} has no in-tree Barman Cloud: move backups to the Barman Cloud plugin (cluster chart backups.method: plugin) before this bump`,
    ).toBe(true);
  });
});
