/**
 * The pgvector collections Job for real: its SQL against Postgres with pgvector (PGlite, one instance for the
 * file), and its wait script (sh) against a stub `psql` that answers like a database still bootstrapping.
 */
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGVECTOR_READY_SQL, PGVECTOR_WAIT_SECONDS, pgvectorCollectionsSql } from '../../constructs/pgvector-store';
import { tempDir } from '../support/env';
import { REPO } from '../support/paths';
import { resourcesOf, stacksOf } from '../support/synth';

const COLLECTIONS = [
  { name: 'docs', dimension: 3, distance: 'cosine' },
  { name: 'tickets', dimension: 3, distance: 'euclid' },
] as const;
const SQL = pgvectorCollectionsSql(COLLECTIONS, { m: 8, efConstruct: 32 });

describe('the collections SQL on Postgres with pgvector', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create({ extensions: { vector } });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it('does not find the database ready before the extension exists, and does after', async () => {
    expect((await db.query(PGVECTOR_READY_SQL)).rows).toEqual([{ ready: 0 }]);
    await db.exec('CREATE EXTENSION IF NOT EXISTS vector;');
    expect((await db.query(PGVECTOR_READY_SQL)).rows).toEqual([{ ready: 1 }]);
  });

  it('creates the tables and HNSW indexes, and runs again without change', async () => {
    await db.exec(SQL);
    await db.exec(SQL);
    const indexes = await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_hnsw' ORDER BY 1");
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['docs_embedding_hnsw', 'tickets_embedding_hnsw']);
    await db.exec("INSERT INTO docs (external_id, content, embedding) VALUES ('a', 'x', '[1,0,0]'), ('b', 'y', '[0,1,0]')");
    const nearest = await db.query<{ external_id: string }>("SELECT external_id FROM docs ORDER BY embedding <=> '[0.9,0.1,0]' LIMIT 1");
    expect(nearest.rows).toEqual([{ external_id: 'a' }]);
  });

  it('stops when a collection exists with another dimension', async () => {
    const drifted = pgvectorCollectionsSql([{ name: 'docs', dimension: 4, distance: 'cosine' }], { m: 8, efConstruct: 32 });
    await expect(db.exec(drifted)).rejects.toThrow(/collection docs: embedding has 3 dimensions, the environment says 4/);
    await db.exec('ROLLBACK'); // psql -v ON_ERROR_STOP=1 ends the session here
  });
});

describe('the wait before the SQL', () => {
  const script = join(REPO, 'constructs', 'assets', 'pgvector-collections.sh');
  /** Runs the script with a stub psql that fails `failures` times (or connects without the extension), then reports it. */
  function run(failures: number, waitSeconds: number, connectedWithoutExtension = false): Promise<{ code: number; stdout: string; stderr: string; calls: string[] }> {
    const dir = tempDir();
    const log = join(dir, 'calls');
    writeFileSync(join(dir, 'count'), '0');
    writeFileSync(
      join(dir, 'psql'),
      `#!/bin/sh
echo "$*" >> ${log}
case "$*" in *" -f "*) echo "ran the SQL"; exit 0;; esac
n=$(cat ${dir}/count); echo $((n + 1)) > ${dir}/count
if [ "$n" -lt ${failures} ] && ${connectedWithoutExtension}; then echo 0; exit 0; fi
if [ "$n" -lt ${failures} ]; then echo 'psql: error: connection to server at "rag-db-rw" (10.0.0.1), port 5432 failed: Connection refused' >&2; exit 2; fi
echo 1
`,
    );
    chmodSync(join(dir, 'psql'), 0o755);
    return new Promise((resolve) => {
      execFile('/bin/sh', [script], { env: { PATH: `${dir}:/usr/bin:/bin`, PGHOST: 'rag-db-rw', PGDATABASE: 'rag', WAIT_SECONDS: String(waitSeconds), POLL_SECONDS: '0' } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr, calls: readFileSync(log, 'utf8').trim().split('\n') }),
      );
    });
  }

  it('waits while the database refuses connections, then runs the SQL once', async () => {
    const r = await run(3, 60);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/waiting for rag-db-rw\/rag .*Connection refused/);
    expect(r.stdout).toContain('ran the SQL');
    expect(r.calls.filter((c) => c.includes(' -f ')).length).toBe(1);
    expect(r.calls.length).toBe(3 + 1 + 1);
  });

  it('waits while the database is up but the extension is not created yet', async () => {
    const r = await run(2, 60, true);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/waiting for rag-db-rw\/rag .*: connected; the vector extension is not created yet/);
    expect(r.calls.filter((c) => c.includes(' -f ')).length).toBe(1);
  });

  it('gives up after its bounded wait with a non-zero exit and the last error', async () => {
    const r = await run(1_000_000, 1);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/gave up after 1 s: rag-db-rw\/rag .*Connection refused/);
    expect(r.calls.some((c) => c.includes(' -f '))).toBe(false);
  });
});

describe('the collections Job (prod preset)', () => {
  const [job] = resourcesOf(stacksOf('prod')['prod-rag']!, 'kubernetes_job_v1') as any[];

  it('runs the wait script with a stated bound, and Terraform waits longer than every try of it', () => {
    const c = job.spec.template.spec.container[0];
    expect(c.command).toEqual(['/bin/sh', '/sql/pgvector-collections.sh']);
    expect(c.env).toContainEqual({ name: 'WAIT_SECONDS', value: String(PGVECTOR_WAIT_SECONDS) });
    const minutes = (t: string) => Number(/^(\d+)m$/.exec(t)![1]);
    const tries = Number(job.spec.backoff_limit) + 1;
    expect(minutes(job.timeouts.create) * 60).toBeGreaterThan(tries * PGVECTOR_WAIT_SECONDS);
  });
});
