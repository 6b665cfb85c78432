import { describe, expect, it } from 'vitest';
import { gpuSpec } from '../../catalog/gpus';
import { GPU_TAINT, GpuNodePool, POOL_LABEL } from '../../constructs/gpu-node-pool';
import { Testing } from '../../lib/cdktf';
import type { TfJson } from '../support/synth';
import { resourcesOf } from '../support/synth';
import { expectResource } from '../support/construct';

function synthPool(props: Partial<ConstructorParameters<typeof GpuNodePool>[2]> = {}): { tf: TfJson; pool: GpuNodePool } {
  let pool!: GpuNodePool;
  const text = Testing.synthScope((scope) => {
    pool = new GpuNodePool(scope, 'pool', { name: 'h100', gpu: gpuSpec('h100-80gb'), gpusPerNode: 8, nodes: ['n1', 'n2'], ...props });
  });
  return { tf: JSON.parse(text) as TfJson, pool };
}

describe('GpuNodePool', () => {
  it('labels every node with its pool and GPU, and taints it NoSchedule', () => {
    const { tf } = synthPool();
    const labels = resourcesOf(tf, 'kubernetes_labels');
    const taints = resourcesOf(tf, 'kubernetes_node_taint');
    expect(labels.map((l) => (l.metadata as { name: string }).name)).toEqual(['n1', 'n2']);
    for (const l of labels) {
      expect(l).toMatchObject({ api_version: 'v1', kind: 'Node', field_manager: 'inference-stack-pool-labels' });
      expect(l.force).toBeUndefined();
      expect(l.labels).toEqual({ [POOL_LABEL]: 'h100', 'inference-stack.io/gpu': 'h100-80gb' });
    }
    expect(taints).toHaveLength(2);
    for (const t of taints) expect(t.taint).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
    // the taint GPU workloads tolerate (GPU_TAINT) is the one applied
    for (const t of taints) expect(t.taint).toEqual([GPU_TAINT]);
    expectResource(JSON.stringify(tf), 'kubernetes_node_taint', { metadata: { name: 'n2' }, taint: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] });
  });

  it('leaves the nodes untainted when asked (a workstation that is the whole cluster)', () => {
    const { tf } = synthPool({ taint: false });
    expect(resourcesOf(tf, 'kubernetes_node_taint')).toEqual([]);
    expectResource(JSON.stringify(tf), 'kubernetes_labels', { metadata: { name: 'n1' }, labels: { [POOL_LABEL]: 'h100', 'inference-stack.io/gpu': 'h100-80gb' } });
  });

  it('selects the MIG configuration by node label', () => {
    const { tf, pool } = synthPool({ gpu: gpuSpec('a100-80gb'), sharing: { mode: 'mig', profile: '3g.40gb' } });
    const mig = resourcesOf(tf, 'kubernetes_labels').filter((l) => 'nvidia.com/mig.config' in (l.labels as object));
    expect(mig.map((l) => (l.metadata as { name: string }).name)).toEqual(['n1', 'n2']);
    for (const l of mig) expect(l.labels).toEqual({ 'nvidia.com/mig.config': 'all-3g.40gb' });
    expect(pool.schedulableGpus).toBe(2 * 8 * 2);
  });

  // Server-side apply: a manager owns the fields of its last apply, and each apply drops the fields the same manager
  // owned before but left out (hashicorp/terraform-provider-kubernetes#1791). So every resource that writes to a
  // Node has its own manager; the GPU Operator writes nvidia.com/mig.config=all-disabled itself on MIG-capable
  // nodes without one, so our MIG label is applied with force and owned by us from then on.
  it('gives each resource on a node its own field manager, and forces only the MIG config label', () => {
    const { tf } = synthPool({ gpu: gpuSpec('a100-80gb'), sharing: { mode: 'mig', profile: '3g.40gb' } });
    const onNode = [...resourcesOf(tf, 'kubernetes_labels'), ...resourcesOf(tf, 'kubernetes_node_taint')];
    for (const node of ['n1', 'n2']) {
      const writers = onNode.filter((r) => (r.metadata as { name: string }).name === node);
      expect(writers).toHaveLength(3);
      const managers = writers.map((r) => r.field_manager as string);
      expect(new Set(managers).size).toBe(managers.length);
      for (const m of managers) expect(m).toMatch(/^inference-stack-/);
      const forced = writers.filter((r) => r.force === true);
      expect(forced).toHaveLength(1);
      expect(forced[0]!.labels).toEqual({ 'nvidia.com/mig.config': 'all-3g.40gb' });
    }
  });

  it('selects the time-slicing device-plugin config named after the pool', () => {
    const { tf, pool } = synthPool({ name: 'l4', gpu: gpuSpec('l4-24gb'), gpusPerNode: 4, nodes: ['a'], sharing: { mode: 'time-slicing', replicas: 3 } });
    expect(resourcesOf(tf, 'kubernetes_labels')[0]!.labels).toMatchObject({ 'nvidia.com/device-plugin.config': 'l4' });
    expect(pool.schedulableGpus).toBe(12);
  });

  it('pins its own driver with an NVIDIADriver that selects the pool and tolerates the GPU taint', () => {
    const { tf } = synthPool({ driverVersion: '580.95.05' });
    const [driver] = resourcesOf(tf, 'kubernetes_manifest');
    expect(driver!.manifest).toEqual({
      apiVersion: 'nvidia.com/v1alpha1',
      kind: 'NVIDIADriver',
      metadata: { name: 'pool-h100' },
      spec: {
        driverType: 'gpu',
        repository: 'nvcr.io/nvidia',
        image: 'driver',
        version: '580.95.05',
        nodeSelector: { [POOL_LABEL]: 'h100' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      },
    });
  });

  it('creates no NVIDIADriver when the pool uses the operator driver', () => {
    expect(resourcesOf(synthPool().tf, 'kubernetes_manifest')).toHaveLength(0);
  });
});
