/** The GPU readiness gate script run for real (python3) against a stub of the Kubernetes nodes API on loopback. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GateSpec } from '../../constructs/gpu-readiness-gate';
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
