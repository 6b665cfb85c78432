/**
 * QdrantStore: as the staging and dev presets use it, alone (Testing.synthScope), and its ops script for real
 * (python3) against a stub of Qdrant's REST API on loopback.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { qdrantCollectionsSpec, QdrantStore, type QdrantStoreProps } from '../../constructs/qdrant-store';
import { expectResource, onlyReleaseValues, resourcesIn, synthScope } from '../support/construct';
import { tempDir } from '../support/env';
import { excerpt } from '../support/upstream';
import { REPO } from '../support/paths';
import { helmReleases, releaseValues, resourcesOf, stacksOf } from '../support/synth';

const ragOf = (preset: string) => stacksOf(preset)[`${preset}-rag`]!;

describe('Qdrant (staging preset)', () => {
  const tf = ragOf('staging');
  const release = helmReleases(tf).find((r) => r.chart === 'qdrant')!;
  const values = releaseValues(release) as any;

  it('persists data and snapshots, takes its API key from a Secret, and runs unprivileged', () => {
    expect(release.version).toBe('1.19.0');
    expect(values.persistence).toEqual({ size: '50Gi', storageClassName: 'fast-ssd' });
    expect(values.snapshotPersistence).toEqual({ enabled: true, size: '50Gi', storageClassName: 'fast-ssd' });
    expect(values.image).toEqual({ tag: 'v1.19.0', useUnprivilegedImage: true, pullPolicy: 'IfNotPresent' });
    expect(values.updateVolumeFsOwnership).toBe(false);
    expect(values.replicaCount).toBe(2);
    expect(values.podDisruptionBudget).toEqual({ enabled: true, maxUnavailable: 1 });
    // staging may be destroyed; prod's store may not
    expect((release as unknown as { lifecycle?: unknown }).lifecycle).toBeUndefined();
  });

  it('reads the API key from the Secret at pod start (env secretKeyRef), so a rotated key applies on the next restart', () => {
    // The chart's apiKey.valueFrom is not a reference: templates/_helpers.tpl copies the Secret with `lookup` into
    // its own <release>-apikey Secret at render time, refreshed only on a helm upgrade.
    expect(values.apiKey).toBeUndefined();
    expect(values.readOnlyApiKey).toBeUndefined();
    // Qdrant reads QDRANT__<SECTION>__<KEY> into its config (src/settings.rs: Environment::with_prefix("QDRANT").separator("__"))
    expect(values.env).toEqual([{ name: 'QDRANT__SERVICE__API_KEY', valueFrom: { secretKeyRef: { name: 'qdrant-api-key', key: 'api-key' } } }]);
    // the chart renders env[].valueFrom verbatim into the container (templates/statefulset.yaml)
    const statefulset = excerpt(`qdrant/${release.version}`, 'templates/statefulset.yaml');
    expect(statefulset).toMatch(/range \.Values\.env \}\}[\s\S]*?valueFrom: \{\{- toYaml \.valueFrom/);
  });

  it('creates the collections with the embedding model dimension and the HNSW settings', () => {
    const cm = (resourcesOf(tf, 'kubernetes_config_map_v1') as any[]).find((c) => c.data['spec.json']);
    expect(JSON.parse(cm.data['spec.json'])).toEqual({
      collections: [
        { name: 'docs', size: 1024, distance: 'Cosine', m: 16, ef_construct: 128, replication_factor: 2 },
        { name: 'tickets', size: 1024, distance: 'Cosine', m: 16, ef_construct: 128, replication_factor: 2 },
      ],
    });
    expect(qdrantCollectionsSpec([{ name: 'x', dimension: 8, distance: 'euclid' }], { m: 4, efConstruct: 8 }, 1)).toEqual({
      collections: [{ name: 'x', size: 8, distance: 'Euclid', m: 4, ef_construct: 8, replication_factor: 1 }],
    });
  });

  it('snapshots every replica on the schedule and keeps seven', () => {
    const [cron] = resourcesOf(tf, 'kubernetes_cron_job_v1') as any[];
    expect(cron.spec.schedule).toBe('0 3 * * *');
    expect(cron.spec.concurrency_policy).toBe('Forbid');
    const env = cron.spec.job_template.spec.template.spec.container[0].env;
    expect(env).toContainEqual({ name: 'KEEP', value: '7' });
    expect(env).toContainEqual({
      name: 'QDRANT_URLS',
      value: 'http://qdrant-0.qdrant-headless.rag.svc.cluster.local:6333,http://qdrant-1.qdrant-headless.rag.svc.cluster.local:6333',
    });
  });
});

it('dev runs one Qdrant with a 768-dimension collection for bge-base', () => {
  const tf = ragOf('dev');
  const cm = (resourcesOf(tf, 'kubernetes_config_map_v1') as any[]).find((c) => c.data['spec.json']);
  expect(JSON.parse(cm.data['spec.json']).collections[0]).toMatchObject({ name: 'docs', size: 768, replication_factor: 1 });
});

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

describe('QdrantStore alone', () => {
  const base: QdrantStoreProps = {
    namespace: 'rag',
    namespaceName: 'rag',
    replicas: 3,
    storageGiB: 20,
    apiKeySecret: { name: 'qdrant-key', key: 'api-key' },
    collections: [{ name: 'docs', dimension: 768, distance: 'cosine' }],
    hnsw: { m: 16, efConstruct: 100 },
    backup: { schedule: '0 2 * * *', keep: 5 },
    preventDestroy: false,
  };
  const synth = (p: Partial<QdrantStoreProps> = {}) => synthScope((s) => new QdrantStore(s, 'qdrant', { ...base, ...p }));

  it('installs the pinned chart with the release safety settings, refusing destroy only when asked', () => {
    expectResource(synth(), 'helm_release', { name: 'qdrant', namespace: 'rag', chart: CHARTS.qdrant.chart, version: CHARTS.qdrant.version, atomic: true, wait: true });
    expect(resourcesIn(synth(), 'helm_release')[0]!.lifecycle).toBeUndefined();
    expectResource(synth({ preventDestroy: true }), 'helm_release', { lifecycle: { prevent_destroy: true } });
    expect(JSON.stringify(onlyReleaseValues(synth()))).toContain('qdrant-key');
  });

  it('creates the collections with a Job after the release, at most two copies of each', () => {
    const json = synth();
    const [job] = resourcesIn(json, 'kubernetes_job_v1');
    expect(job!.depends_on).toContainEqual(expect.stringMatching(/^helm_release\.qdrant_release_/));
    expect(job!.spec.template.spec.container[0].env).toEqual(
      expect.arrayContaining([
        { name: 'QDRANT_URLS', value: 'http://qdrant.rag.svc.cluster.local:6333' },
        { name: 'QDRANT_API_KEY', value_from: { secret_key_ref: { name: 'qdrant-key', key: 'api-key' } } },
      ]),
    );
    const spec = resourcesIn(json, 'kubernetes_config_map_v1').find((m) => m.data['spec.json'])!;
    expect(JSON.parse(spec.data['spec.json'])).toEqual({ collections: [{ name: 'docs', size: 768, distance: 'Cosine', m: 16, ef_construct: 100, replication_factor: 2 }] });
  });

  it('snapshots every replica on the schedule, keeping the given number, never two runs at once', () => {
    const json = synth();
    expectResource(json, 'kubernetes_cron_job_v1', { metadata: { name: 'qdrant-snapshot', namespace: 'rag' }, spec: { schedule: '0 2 * * *', concurrency_policy: 'Forbid' } });
    const [cron] = resourcesIn(json, 'kubernetes_cron_job_v1');
    const env = cron!.spec.job_template.spec.template.spec.container[0].env;
    expect(env).toContainEqual({ name: 'KEEP', value: '5' });
    expect(env.find((e: any) => e.name === 'QDRANT_URLS').value.split(',')).toEqual([0, 1, 2].map((i) => `http://qdrant-${i}.qdrant-headless.rag.svc.cluster.local:6333`));
  });

  it('runs no collections Job without collections, but still snapshots', () => {
    const json = synth({ collections: [] });
    expect(resourcesIn(json, 'kubernetes_job_v1')).toEqual([]);
    expect(resourcesIn(json, 'kubernetes_cron_job_v1')).toHaveLength(1);
  });
});
