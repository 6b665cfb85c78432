/**
 * Re-apply and day-two changes (issue 21): a second apply is a no-op, and no harmless change replaces a serving
 * workload. Facts from the provider source at the pinned versions (hashicorp/terraform-provider-kubernetes v2.38.0,
 * hashicorp/terraform-provider-helm v3.1.1), each with its file.
 */
import { describe, expect, it } from 'vitest';
import { GPU_TAINT } from '../../constructs/gpu-node-pool';
import { PRESETS, presetEnv, resourcesOf, synthEnvJson } from '../support/synth';

describe('node taints', () => {
  const pools = PRESETS.map((preset) => synthEnvJson(presetEnv(preset))[`${preset}-gpu-pools`]!);

  it('never plans to remove a taint someone else put on a GPU node', () => {
    // resource_kubernetes_node_taint.go (v2.38.0): Read sets `taint` to every taint of node.Spec.Taints (a cordon,
    // node.kubernetes.io/not-ready, a cloud taint), and Update server-side applies `spec.taints` (an atomic list) as
    // the whole list of the configuration. So the next plan shows the others' taints as to be removed, and a
    // forced apply would remove them: the list is written once at create and its drift ignored.
    const taints = pools.flatMap((tf) => resourcesOf(tf, 'kubernetes_node_taint'));
    expect(taints.length).toBeGreaterThan(0);
    for (const t of taints) {
      expect(t.taint).toEqual([GPU_TAINT]);
      expect((t.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes).toEqual(['taint']);
      expect(t.force, 'never forced: a taint list another manager owns is reported as a conflict, not overwritten').toBeUndefined();
    }
  });
});
