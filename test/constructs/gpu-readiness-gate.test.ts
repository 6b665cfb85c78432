/**
 * GpuReadiness: alone (Testing.synthScope), and its gate script run for real (python3) against a stub of the
 * Kubernetes nodes API on loopback.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gpuSpec } from '../../catalog/gpus';
import { GpuNodePool } from '../../constructs/gpu-node-pool';
import { GPU_READINESS, GPU_READY_SECONDS, GpuReadiness, MIG_RECONFIGURE_SECONDS } from '../../constructs/gpu-readiness-gate';
import type { GateSpec } from '../../constructs/gpu-readiness-gate';
import { expectResource, resourcesIn, synthScope } from '../support/construct';
import { tempDir } from '../support/env';
import { REPO } from '../support/paths';

type Node = { labels?: Record<string, string>; allocatable?: Record<string, string> };

describe('gpu-readiness.py', () => {
  let server: Server;
  let api: string;
  let nodes: Record<string, Node> = {};
  const auth: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      auth.push(String(req.headers.authorization));
      const m = /^\/api\/v1\/nodes\/([\w.-]+)$/.exec(req.url ?? '');
      const node = m ? nodes[m[1]!] : undefined;
      if (!node) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', code: 404 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ metadata: { name: m![1], labels: node.labels ?? {} }, status: { allocatable: { cpu: '64', memory: '1Ti', ...node.allocatable } } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    nodes = {};
    auth.length = 0;
  });

  function run(spec: Partial<GateSpec>): Promise<{ code: number; stdout: string; stderr: string }> {
    const dir = tempDir('gate-');
    const full: GateSpec = { pool: 'h100', nodes: ['n1', 'n2'], resource: 'nvidia.com/gpu', expectedPerNode: 8, timeoutSeconds: 1, pollSeconds: 0.2, ...spec };
    writeFileSync(join(dir, 'pool.json'), JSON.stringify(full));
    writeFileSync(join(dir, 'token'), 'test-token\n');
    return new Promise((resolve) => {
      execFile('python3', [join(REPO, 'constructs/assets/gpu-readiness.py')], { env: { PATH: process.env.PATH, SPEC: join(dir, 'pool.json'), KUBERNETES_API: api, TOKEN_FILE: join(dir, 'token') } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('passes when every node reports the GPUs, reading with the ServiceAccount token', async () => {
    nodes = { n1: { allocatable: { 'nvidia.com/gpu': '8' } }, n2: { allocatable: { 'nvidia.com/gpu': '8' } } };
    const r = await run({});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pool h100: all 2 nodes ready/);
    expect(new Set(auth)).toEqual(new Set(['Bearer test-token']));
  });

  it('fails at its deadline naming the node that lacks GPUs, with what it reports', async () => {
    nodes = { n1: { allocatable: { 'nvidia.com/gpu': '8' } }, n2: { allocatable: { 'nvidia.com/gpu': '6' } } };
    const r = await run({});
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/pool h100: not ready after 1 s: n2: 6 of 8 nvidia\.com\/gpu allocatable\. Check the GPU Operator's pods/);
    expect(r.stderr).not.toMatch(/n1:/);
  });

  it('names a node that does not exist', async () => {
    nodes = { n1: { allocatable: { 'nvidia.com/gpu': '8' } } };
    const r = await run({});
    expect(r.stderr).toMatch(/n2: does not exist/);
  });

  it('waits on a MIG pool for the MIG manager to report success with our config, and stops early on its failure', async () => {
    const mig = { resource: 'nvidia.com/mig-3g.40gb', expectedPerNode: 2, migConfig: 'all-3g.40gb', nodes: ['m1'] };
    // the slices are there, but the MIG manager has not finished
    nodes = { m1: { labels: { 'nvidia.com/mig.config': 'all-3g.40gb', 'nvidia.com/mig.config.state': 'pending' }, allocatable: { 'nvidia.com/mig-3g.40gb': '2' } } };
    expect((await run(mig)).stderr).toMatch(/m1: 2 of 2 nvidia\.com\/mig-3g\.40gb allocatable, nvidia\.com\/mig\.config=all-3g\.40gb, nvidia\.com\/mig\.config\.state=pending/);
    nodes.m1!.labels!['nvidia.com/mig.config.state'] = 'success';
    expect((await run(mig)).code).toBe(0);
    nodes.m1!.labels!['nvidia.com/mig.config.state'] = 'failed';
    const failed = await run({ ...mig, timeoutSeconds: 60 });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/node m1: the MIG manager failed to apply all-3g\.40gb/);
  });

  it('counts every MIG slice together for a balanced pool', async () => {
    nodes = { b1: { labels: { 'nvidia.com/mig.config': 'all-balanced', 'nvidia.com/mig.config.state': 'success' }, allocatable: { 'nvidia.com/mig-1g.10gb': '2', 'nvidia.com/mig-3g.40gb': '1' } } };
    expect((await run({ nodes: ['b1'], resource: 'nvidia.com/mig-*', expectedPerNode: 3, migConfig: 'all-balanced' })).code).toBe(0);
    expect((await run({ nodes: ['b1'], resource: 'nvidia.com/mig-*', expectedPerNode: 4, migConfig: 'all-balanced' })).stderr).toMatch(/b1: 3 of 4 nvidia\.com\/mig-\* allocatable/);
  });
});

describe('GpuReadiness alone', () => {
  const synth = (pools: Array<ConstructorParameters<typeof GpuNodePool>[2]>, strategy: 'none' | 'single' | 'mixed' = 'none') =>
    synthScope((s) => {
      const readiness = new GpuReadiness(s, 'readiness', { namespace: GPU_READINESS });
      for (const p of pools) readiness.gate(new GpuNodePool(s, `pool-${p.name}`, p), strategy);
    });
  const h100 = { name: 'h100', gpu: gpuSpec('h100-80gb'), gpusPerNode: 8, nodes: ['n1', 'n2'] };
  const specOf = (json: string, pool: string) => JSON.parse(resourcesIn(json, 'kubernetes_config_map_v1').find((m) => m.data['pool.json'] && JSON.parse(m.data['pool.json']).pool === pool)!.data['pool.json']);

  it('may only get and list nodes, through its own ServiceAccount', () => {
    const json = synth([]);
    expectResource(json, 'kubernetes_service_account_v1', { metadata: { name: GPU_READINESS, namespace: GPU_READINESS }, automount_service_account_token: false });
    expectResource(json, 'kubernetes_cluster_role_v1', { rule: [{ api_groups: [''], resources: ['nodes'], verbs: ['get', 'list'] }] });
    expectResource(json, 'kubernetes_cluster_role_binding_v1', { subject: [{ kind: 'ServiceAccount', name: GPU_READINESS, namespace: GPU_READINESS }] });
    expect(resourcesIn(json, 'kubernetes_job_v1')).toEqual([]);
  });

  it('gates a pool on every node reporting its GPUs, within its bound; Terraform waits for the Job and longer', () => {
    const json = synth([h100]);
    expect(specOf(json, 'h100')).toEqual({ pool: 'h100', nodes: ['n1', 'n2'], resource: 'nvidia.com/gpu', expectedPerNode: 8, timeoutSeconds: GPU_READY_SECONDS, pollSeconds: 15 });
    const [job] = resourcesIn(json, 'kubernetes_job_v1');
    expect(job!.metadata.name).toMatch(/^gpu-ready-h100-[0-9a-f]{10}$/);
    expect(job!.wait_for_completion).toBe(true);
    expect(Number(job!.spec.backoff_limit)).toBe(0);
    expect(Number(job!.spec.active_deadline_seconds)).toBeGreaterThan(GPU_READY_SECONDS);
    expect(Number(/^(\d+)s$/.exec(job!.timeouts.create)![1])).toBeGreaterThan(Number(job!.spec.active_deadline_seconds));
    // after the labels and taints of the pool
    expect(job!.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_labels\.node-n1-labels$/), expect.stringMatching(/^kubernetes_service_account_v1\./)]));
    // no GPU: it must run before the GPUs are there
    const pod = job!.spec.template.spec;
    expect(JSON.stringify(pod)).not.toContain('nvidia.com/gpu');
  });

  it('counts time-sliced replicas, and waits longer on a MIG pool for its MIG config', () => {
    const json = synth([{ ...h100, name: 'shared', sharing: { mode: 'time-slicing', replicas: 4 } }, { ...h100, name: 'mig', nodes: ['m1'], sharing: { mode: 'mig', profile: '3g.40gb' } }], 'single');
    expect(specOf(json, 'shared')).toMatchObject({ resource: 'nvidia.com/gpu', expectedPerNode: 32 });
    expect(specOf(json, 'mig')).toMatchObject({ migConfig: 'all-3g.40gb', timeoutSeconds: GPU_READY_SECONDS + MIG_RECONFIGURE_SECONDS });
  });

  it('names the Job after what it waits for, so that a change runs it again', () => {
    const name = (nodes: string[]) => resourcesIn(synth([{ ...h100, nodes }]), 'kubernetes_job_v1')[0]!.metadata.name;
    expect(name(['n1', 'n2'])).toBe(name(['n1', 'n2']));
    expect(name(['n1', 'n2', 'n3'])).not.toBe(name(['n1', 'n2']));
  });
});
