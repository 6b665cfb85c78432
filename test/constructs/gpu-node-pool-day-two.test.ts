/**
 * Day two on GPU nodes: moving a node between pools, renaming a pool, and upgrading state made by the earlier
 * per-pool addresses. Server-side apply: one field manager per kind of write, so two live resources with the same
 * manager on one node would prune each other's fields; a node's resources are therefore keyed by the node alone.
 */
import { describe, expect, it } from 'vitest';
import { gpuSpec } from '../../catalog/gpus';
import { GpuNodePool } from '../../constructs/gpu-node-pool';
import { Labels, NodeTaint } from '../../lib/bindings';
import { Construct, Testing } from '../../lib/cdktf';
import type { Environment } from '../../environments/schema';
import { PRESETS, presetEnv, synthEnvJson, type TfJson } from '../support/synth';

type Moved = { from: string; to: string };
const NODE_TYPES = ['kubernetes_labels', 'kubernetes_node_taint'] as const;

function gpuPools(env: Environment): TfJson & { moved?: Moved[] } {
  return synthEnvJson(env)[`${env.name}-gpu-pools`]!;
}

/** Address -> node name, for every resource that writes to a Node. */
function nodeWriters(tf: TfJson): Map<string, string> {
  const out = new Map<string, string>();
  for (const type of NODE_TYPES) {
    for (const [key, r] of Object.entries(tf.resource[type] ?? {})) out.set(`${type}.${key}`, (r.metadata as { name: string }).name);
  }
  return out;
}

/** Every `pool: <from>` reference (models, embeddings, ...) renamed, as an operator renaming a pool would. */
function renamePoolReferences(value: unknown, from: string, to: string): void {
  if (Array.isArray(value)) for (const v of value) renamePoolReferences(v, from, to);
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record.pool === from) record.pool = to;
    for (const v of Object.values(record)) renamePoolReferences(v, from, to);
  }
}

function labelsOf(tf: TfJson, address: string): unknown {
  const [type, key] = address.split('.') as [string, string];
  return tf.resource[type]![key]!.labels;
}

describe('a node keeps its resource addresses when it changes pool', () => {
  it('moving prod-h100-03 to the MIG pool changes attribute values in place, and adds a MIG config resource', () => {
    const before = presetEnv('prod');
    const after = structuredClone(before);
    after.gpuPools[0]!.nodes = ['prod-h100-01', 'prod-h100-02'];
    after.gpuPools[1]!.nodes = ['prod-a100-01', 'prod-h100-03'];
    const a = nodeWriters(gpuPools(before));
    const b = nodeWriters(gpuPools(after));
    // Every address that wrote to a node before still does, for the same node: no destroy of a live writer.
    for (const [address, node] of a) expect(b.get(address), address).toBe(node);
    // The only new address is the moved node's MIG config label (its own manager, forced).
    expect([...b.keys()].filter((k) => !a.has(k))).toEqual(['kubernetes_labels.node-prod-h100-03-mig-config']);
    expect(labelsOf(gpuPools(after), 'kubernetes_labels.node-prod-h100-03-labels')).toEqual({ 'inference-stack.io/pool': 'a100-mig', 'inference-stack.io/gpu': 'a100-80gb' });
    expect(labelsOf(gpuPools(before), 'kubernetes_labels.node-prod-h100-03-labels')).toEqual({ 'inference-stack.io/pool': 'h100', 'inference-stack.io/gpu': 'h100-80gb' });
  });

  it('renaming a pool keeps every address and changes only the pool label', () => {
    const before = presetEnv('prod');
    const after = structuredClone(before);
    after.gpuPools[0]!.name = 'h100-main';
    renamePoolReferences(after, 'h100', 'h100-main');
    const a = gpuPools(before);
    const b = gpuPools(after);
    expect([...nodeWriters(b)].sort()).toEqual([...nodeWriters(a)].sort());
    for (const address of nodeWriters(a).keys()) {
      if (!address.startsWith('kubernetes_labels.') || !address.includes('h100')) continue;
      const old = labelsOf(a, address) as Record<string, string>;
      expect(labelsOf(b, address), address).toEqual(old['inference-stack.io/pool'] === 'h100' ? { ...old, 'inference-stack.io/pool': 'h100-main' } : old);
    }
  });

  it.each(PRESETS)('%s: every resource on a node is addressed by the node name only', (preset) => {
    const env = presetEnv(preset);
    for (const [address, node] of nodeWriters(gpuPools(env))) {
      expect(address).toMatch(new RegExp(`^kubernetes_(labels|node_taint)\\.node-${node}-(labels|mig-config|taint)$`));
      for (const pool of env.gpuPools) expect(address).not.toContain(`pool-${pool.name}`);
    }
  });
});

/** The addresses cdktf gave a pool's node resources before this change: constructs `pool-<pool>/<kind>-<node>`. */
function legacyAddresses(pool: string, node: string): Record<string, string> {
  let labels!: Labels, mig!: Labels, taint!: NodeTaint;
  Testing.synthScope((stack) => {
    const scope = new Construct(stack, `pool-${pool}`);
    labels = new Labels(scope, `labels-${node}`, { apiVersion: 'v1', kind: 'Node', metadata: { name: node }, labels: {} });
    mig = new Labels(scope, `mig-config-${node}`, { apiVersion: 'v1', kind: 'Node', metadata: { name: node }, labels: {} });
    taint = new NodeTaint(scope, `taint-${node}`, { metadata: { name: node }, taint: [] });
  });
  return {
    labels: `kubernetes_labels.${labels.friendlyUniqueId}`,
    'mig-config': `kubernetes_labels.${mig.friendlyUniqueId}`,
    taint: `kubernetes_node_taint.${taint.friendlyUniqueId}`,
  };
}

describe('state made by the per-pool addresses moves to the per-node ones', () => {
  it.each(PRESETS)('%s: a moved block maps each node resource from its old address', (preset) => {
    const env = presetEnv(preset);
    const tf = gpuPools(env);
    const moved = tf.moved ?? [];
    const writers = nodeWriters(tf);
    expect(moved).toHaveLength(writers.size);
    for (const pool of env.gpuPools) {
      for (const node of pool.nodes) {
        const old = legacyAddresses(pool.name, node);
        for (const [kind, from] of Object.entries(old)) {
          const to = `${kind === 'taint' ? 'kubernetes_node_taint' : 'kubernetes_labels'}.node-${node}-${kind}`;
          if (writers.has(to)) expect(moved).toContainEqual({ from, to });
          else expect(moved.some((m) => m.from === from)).toBe(false);
        }
      }
    }
  });

  it('the old addresses are the ones the previous release wrote (prod snapshot before the change)', () => {
    expect(legacyAddresses('h100', 'prod-h100-01')).toMatchObject({ labels: 'kubernetes_labels.pool-h100_labels-prod-h100-01_E06AE497', taint: 'kubernetes_node_taint.pool-h100_taint-prod-h100-01_4B9311CC' });
    expect(gpuPools(presetEnv('prod')).moved).toContainEqual({ from: 'kubernetes_labels.pool-a100-mig_mig-config-prod-a100-01_DE2318A4', to: 'kubernetes_labels.node-prod-a100-01-mig-config' });
  });

  it('a pool used outside a stack-level id still moves from the legacy pool-<name> path', () => {
    const text = Testing.synthScope((stack) => {
      new GpuNodePool(new Construct(stack, 'nested'), 'anything', { name: 'h100', gpu: gpuSpec('h100-80gb'), gpusPerNode: 8, nodes: ['prod-h100-01'] });
    });
    const tf = JSON.parse(text) as { moved: Moved[] };
    expect(tf.moved).toContainEqual({ from: 'kubernetes_labels.pool-h100_labels-prod-h100-01_E06AE497', to: 'kubernetes_labels.node-prod-h100-01-labels' });
  });
});
