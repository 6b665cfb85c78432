/**
 * Topology spread counts only the nodes a pod may use (issue 13, item 10). With the default `nodeTaintsPolicy:
 * Ignore`, tainted GPU nodes count as empty domains: a 3-replica `DoNotSchedule` spread then needs 3+ untainted
 * nodes and cannot roll. `Honor` for taints and node affinity (Kubernetes 1.26+, GA in 1.33) fixes that.
 */
import { describe, expect, it } from 'vitest';
import { qdrantValues } from '../../charts/qdrant';
import { helmReleases, PRESETS, releaseValues, stacksOf, type TfJson } from '../support/synth';

/** Every spread constraint of a stack: Terraform pod templates (snake case) and Helm values (camel case). */
function spreadConstraints(tf: TfJson): Array<{ where: string; c: Record<string, unknown> }> {
  const out: Array<{ where: string; c: Record<string, unknown> }> = [];
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'topology_spread_constraint' || k === 'topologySpreadConstraints') && Array.isArray(x)) for (const c of x) out.push({ where: `${where}.${k}`, c });
        else walk(x, `${where}.${k}`);
      }
    }
  };
  for (const [type, byId] of Object.entries(tf.resource ?? {})) if (type !== 'helm_release') walk(byId, type);
  for (const r of helmReleases(tf)) walk(releaseValues(r), `helm_release.${r.name}`);
  return out;
}

describe.each(PRESETS)('%s: spread constraints', (preset) => {
  const stacks = stacksOf(preset);
  const all = Object.entries(stacks).flatMap(([stack, tf]) => spreadConstraints(tf).map((s) => ({ ...s, where: `${stack}: ${s.where}` })));

  it('honor node taints and node affinity, so only nodes the pods may use count as domains', () => {
    for (const { where, c } of all) {
      const taints = c.node_taints_policy ?? c.nodeTaintsPolicy;
      const affinity = c.node_affinity_policy ?? c.nodeAffinityPolicy;
      expect({ where, taints, affinity }).toEqual({ where, taints: 'Honor', affinity: 'Honor' });
    }
  });
});

it('finds the spread constraints it checks (prod has a replicated edge, gateway and model servers)', () => {
  const stacks = stacksOf('prod');
  const where = Object.entries(stacks).flatMap(([stack, tf]) => spreadConstraints(tf).map((s) => `${stack}: ${s.where}`));
  for (const stack of ['prod-edge', 'prod-gateway', 'prod-models']) expect(where.some((w) => w.startsWith(`${stack}:`)), stack).toBe(true);
});

it('replicated Qdrant (no preset runs it replicated) spreads the same way', () => {
  const v = qdrantValues({ replicas: 3, storageGiB: 10, apiKeySecret: { name: 'qdrant-api-key', key: 'api-key' } }) as { topologySpreadConstraints: Array<Record<string, unknown>> };
  expect(v.topologySpreadConstraints).toHaveLength(1);
  expect(v.topologySpreadConstraints[0]).toMatchObject({ nodeTaintsPolicy: 'Honor', nodeAffinityPolicy: 'Honor' });
});
