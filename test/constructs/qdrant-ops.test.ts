/** The Qdrant ops script run for real (python3) against a stub of Qdrant's REST API on loopback. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qdrantCollectionsSpec } from '../../constructs/qdrant-store';
import { tempDir } from '../support/env';
import { REPO } from '../support/paths';

describe('qdrant-ops.py', () => {
  let server: Server;
  let base: string;
  const collections = new Map<string, { size: number; distance: string }>();
  let snapshots: Array<{ name: string; creation_time: string }> = [];
  let taken = 0;
  const calls: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        calls.push(`${req.method} ${url.pathname}`);
        const send = (status: number, obj: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(obj));
        };
        if (req.headers['api-key'] !== 'qk-test') return send(401, { status: { error: 'unauthorized' } });
        const m = /^\/collections\/(\w+)$/.exec(url.pathname);
        if (url.pathname === '/readyz') return send(200, {});
        if (m && req.method === 'GET') {
          const c = collections.get(m[1]!);
          return c ? send(200, { result: { config: { params: { vectors: c } } } }) : send(404, { status: { error: 'Not found' } });
        }
        if (m && req.method === 'PUT') {
          const body = JSON.parse(text);
          collections.set(m[1]!, body.vectors);
          return send(200, { result: true });
        }
        if (url.pathname === '/snapshots' && req.method === 'POST') {
          snapshots.push({ name: `s${taken}.snapshot`, creation_time: `2026-11-${String(10 + taken).padStart(2, '0')}T03:00:00` });
          taken++;
          return send(200, { result: snapshots.at(-1) });
        }
        if (url.pathname === '/snapshots' && req.method === 'GET') return send(200, { result: snapshots });
        const d = /^\/snapshots\/(.+)$/.exec(url.pathname);
        if (d && req.method === 'DELETE') {
          snapshots = snapshots.filter((s) => s.name !== d[1]);
          return send(200, { result: true });
        }
        send(404, {});
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function run(command: string, env: Record<string, string>, spec?: object): Promise<{ code: number; stdout: string; stderr: string }> {
    const dir = tempDir('qdrant-');
    const file = join(dir, 'spec.json');
    if (spec) writeFileSync(file, JSON.stringify(spec));
    return new Promise((resolve) => {
      execFile('python3', [join(REPO, 'constructs/assets/qdrant-ops.py'), command], { env: { PATH: process.env.PATH, QDRANT_URLS: base, QDRANT_API_KEY: 'qk-test', SPEC: file, WAIT_SECONDS: '2', ...env } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  const spec = qdrantCollectionsSpec([{ name: 'docs', dimension: 1024, distance: 'cosine' }], { m: 16, efConstruct: 100 }, 1);

  it('creates a missing collection, then leaves it alone', async () => {
    expect((await run('collections', {}, spec)).stdout.trim()).toBe('collection docs: created');
    expect(collections.get('docs')).toEqual({ size: 1024, distance: 'Cosine' });
    calls.length = 0;
    const again = await run('collections', {}, spec);
    expect(again.stdout.trim()).toBe('collection docs: exists');
    expect(calls.filter((c) => c.startsWith('PUT'))).toEqual([]);
  });

  it('refuses a collection whose dimension drifted, with both numbers', async () => {
    const drifted = qdrantCollectionsSpec([{ name: 'docs', dimension: 768, distance: 'cosine' }], { m: 16, efConstruct: 100 }, 1);
    const r = await run('collections', {}, drifted);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/collection docs: has 1024 dimensions \(Cosine\), the environment says 768 \(Cosine\)/);
  });

  it('takes a snapshot and keeps the newest N', async () => {
    for (let i = 0; i < 4; i++) expect((await run('snapshot', { KEEP: '2' })).code).toBe(0);
    expect(snapshots.map((s) => s.name)).toEqual(['s2.snapshot', 's3.snapshot']);
  });

  it('fails on a wrong API key', async () => {
    const r = await run('collections', { QDRANT_API_KEY: 'nope' }, spec);
    expect(r.code).not.toBe(0);
  });
});
