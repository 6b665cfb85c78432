/**
 * pgvector collection names against a real Postgres (PGlite with pgvector), issue 14 class 7: names the schema
 * refuses really break there (a name past 63 bytes is truncated and two collide; a "pg_" name is
 * pg_catalog's; a generated name taken by another collection fails), and every name it accepts works.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgvectorCollectionsSql } from '../../constructs/pgvector-store';
import { MAX_COLLECTION_NAME } from '../../environments/deploy-checks';
import { EnvironmentSchema } from '../../environments/schema';
import { MINIMAL } from '../support/env';

let db: PGlite;
let schemaNo = 0;
beforeAll(async () => {
  db = await PGlite.create({ extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector;');
}, 120_000);
afterAll(async () => db?.close());

/** Runs the generated SQL in a fresh schema (first on the search path); returns the relations it created. */
async function run(names: readonly string[]): Promise<{ error?: string; relations: string[] }> {
  const schema = `t${++schemaNo}`;
  await db.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}, public;`);
  const sql = pgvectorCollectionsSql(names.map((name) => ({ name, dimension: 3, distance: 'cosine' as const, embedding: 'e' })), { m: 16, efConstruct: 64 });
  try {
    await db.exec(sql);
  } catch (err) {
    await db.exec('ROLLBACK;').catch(() => undefined);
    return { error: String(err), relations: [] };
  }
  const rows = await db.query<{ relname: string }>(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${schema}' ORDER BY 1`);
  return { relations: rows.rows.map((r) => r.relname) };
}

/** The schema's verdict on collection names (pgvector, one embedding server). */
function accepted(names: readonly string[]): boolean {
  return EnvironmentSchema.safeParse({
    ...MINIMAL,
    embeddings: [{ name: 'e', model: 'BAAI/bge-large-en-v1.5', pool: 'cpu' }],
    vectorStore: { type: 'pgvector', collections: names.map((name) => ({ name, embedding: 'e' })) },
  }).success;
}

describe('pgvector collection names in real Postgres', () => {
  it('names past the limit: Postgres truncates the generated index name, at 63 bytes onto the table itself, and the HNSW index is silently never built; the schema refuses them', async () => {
    const full = 'r'.repeat(63);
    const over = 's'.repeat(MAX_COLLECTION_NAME + 1);
    const { relations, error } = await run([full, over]);
    expect(error).toBeUndefined();
    const hnsw = async (table: string) => (await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = '${table}' AND indexdef LIKE '%hnsw%'`)).rows.map((r) => r.indexname);
    // 63 bytes: "<name>_embedding_hnsw" truncates to "<name>", which exists (the table): IF NOT EXISTS skips, no index.
    expect(await hnsw(full)).toEqual([]);
    // 49 bytes: the index exists, but not under the name the SQL gave it (it checks and finds it by that name).
    expect(await hnsw(over)).toEqual([`${over}_embedding_hnsw`.slice(0, 63)]);
    expect(relations).not.toContain(`${over}_embedding_hnsw`);
    expect(accepted([full])).toBe(false);
    expect(accepted([over])).toBe(false);
    expect(accepted(['t'.repeat(MAX_COLLECTION_NAME)])).toBe(true);
  }, 60_000);

  it('"pg_class" resolves to the system catalog: the SQL fails; the schema refuses it', async () => {
    const { error } = await run(['pg_class']);
    expect(error).toBeDefined();
    expect(accepted(['pg_class'])).toBe(false);
  }, 60_000);

  it('a name the store generates for another collection fails; the schema refuses it', async () => {
    const { error } = await run(['docs', 'docs_embedding_hnsw']);
    expect(error).toMatch(/cannot open relation|already exists|is not a table/);
    expect(accepted(['docs', 'docs_embedding_hnsw'])).toBe(false);
  }, 60_000);

  it('every set of names the schema accepts creates each table and its index under its exact name (fast-check)', async () => {
    const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,62}$/);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { minLength: 1, maxLength: 4 }), async (names) => {
        if (!accepted(names)) return;
        const { relations, error } = await run(names);
        expect(error).toBeUndefined();
        for (const n of names) expect(relations).toEqual(expect.arrayContaining([n, `${n}_embedding_hnsw`, `${n}_pkey`]));
      }),
      { numRuns: 40, seed: 7 },
    );
  }, 120_000);
});
