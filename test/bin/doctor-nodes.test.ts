/**
 * `doctor`'s node checks, on `kubectl get nodes -o json` output. The fixture is written by hand in the API's
 * managedFields (FieldsV1) format, as the API server records a cordon (kubectl-cordon sets spec.unschedulable, the
 * node lifecycle controller then updates spec.taints) and an apply by the shared manager of earlier releases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { gpuNodeWrites, nodeFieldChecks, type Check } from '../../bin/commands/doctor';
import { presetEnv } from '../support/synth';

const NODES = readFileSync(join(__dirname, '..', 'fixtures', 'kubectl', 'nodes-day-two.json'), 'utf8');
const byName = (checks: Check[], name: string): Check => checks.find((c) => c.name === name)!;

it('lists the nodes of every pool with whether they carry a taint resource', () => {
  expect(gpuNodeWrites(presetEnv('prod'))).toEqual([
    { node: 'prod-h100-01', pool: 'h100', taint: true },
    { node: 'prod-h100-02', pool: 'h100', taint: true },
    { node: 'prod-h100-03', pool: 'h100', taint: true },
    { node: 'prod-a100-01', pool: 'a100-mig', taint: true },
  ]);
});

it('finds the fields the earlier shared manager still owns, and gives the commands that release them', () => {
  const stale = byName(nodeFieldChecks(NODES, gpuNodeWrites(presetEnv('prod')), 'prod'), 'stale field manager');
  expect(stale.ok).toBe(false);
  expect(stale.required).toBe(false);
  expect(stale.detail).toMatch(/on 2 node\(s\)/);
  expect(stale.detail).toContain('prod-h100-02 (label inference-stack.io/gpu, label inference-stack.io/pool): echo \'{"apiVersion":"v1","kind":"Node","metadata":{"name":"prod-h100-02"}}\' | kubectl apply --server-side --field-manager=inference-stack -f -');
  // prod-a100-01: the old manager alone owns the taint list; releasing it would delete the list, so the taint
  // manager takes a share of it first (same value: no conflict).
  expect(stale.detail).toContain('prod-a100-01 (label inference-stack.io/gpu, label inference-stack.io/pool, label nvidia.com/mig.config, spec.taints): echo \'{"apiVersion":"v1","kind":"Node","metadata":{"name":"prod-a100-01"},"spec":{"taints":[{"key":"nvidia.com/gpu","value":"present","effect":"NoSchedule"}]}}\' | kubectl apply --server-side --field-manager=inference-stack-taint -f - && echo');
  expect(stale.detail).not.toMatch(/prod-h100-0[13]/);
});

it('names the nodes whose taint resource cannot be deleted by Terraform, and what to run instead', () => {
  const taint = byName(nodeFieldChecks(NODES, gpuNodeWrites(presetEnv('prod')), 'prod'), 'gpu taint ownership');
  expect(taint.ok).toBe(false);
  expect(taint.detail).toMatch(/^prod-h100-03 \(spec.taints owned by kube-controller-manager\), prod-a100-01 \(spec.taints owned by inference-stack\): /);
  expect(taint.detail).toContain("terraform state rm 'kubernetes_node_taint.node-<node>-taint'");
  expect(taint.detail).toContain('kubectl taint node <node> nvidia.com/gpu-');
  expect(taint.needed).toMatch(/Field manager conflict/);
});

it('is quiet about healthy nodes and skips the taint check for pools with taint: false', () => {
  const writes = [{ node: 'prod-h100-01', pool: 'h100', taint: true }, { node: 'prod-h100-03', pool: 'h100', taint: false }];
  const checks = nodeFieldChecks(NODES, writes, 'prod');
  expect(checks.map((c) => [c.name, c.ok])).toEqual([['gpu nodes', true], ['stale field manager', true], ['gpu taint ownership', true]]);
});

it('fails for a node of gpuPools that the cluster does not have', () => {
  const nodes = byName(nodeFieldChecks(NODES, [{ node: 'prod-h100-09', pool: 'h100', taint: true }], 'prod'), 'gpu nodes');
  expect(nodes).toMatchObject({ ok: false, required: true });
  expect(nodes.detail).toContain('prod-h100-09 (pool h100)');
});

it('puts a deploy of the gpu-pools stack before a release that would delete labels only the stale manager owns', () => {
  // Releasing deletes what its manager owns alone: prod-h100-02's pool and GPU labels, before a deploy has let the
  // current manager co-own them (the GPU Operator's driver selector would stop matching the node).
  const nodes = JSON.parse(NODES) as { items: Array<{ metadata: { name: string; managedFields: Array<{ manager: string }> } }> };
  const h100 = nodes.items.find((n) => n.metadata.name === 'prod-h100-02')!;
  h100.metadata.managedFields = h100.metadata.managedFields.filter((m) => m.manager !== 'inference-stack-pool-labels');
  const stale = byName(nodeFieldChecks(JSON.stringify(nodes), gpuNodeWrites(presetEnv('prod')), 'prod'), 'stale field manager');
  expect(stale.ok).toBe(false);
  expect(stale.detail).toContain('prod-h100-02 (label inference-stack.io/gpu, label inference-stack.io/pool): owned by "inference-stack" alone (label inference-stack.io/gpu, label inference-stack.io/pool), which a release now would delete: deploy prod-gpu-pools first, run doctor again, and release only after that deploy');
  expect(stale.detail).not.toMatch(/prod-h100-02 \([^)]*\): echo/);
  // the other node, whose labels the current managers co-own, keeps its release commands
  expect(stale.detail).toMatch(/prod-a100-01 \([^)]*\): echo/);
});
