import { describe, expect, it } from 'vitest';
import { formatProblem, loadEnvironment } from '../../environments/load';
import { problemsOf, writeEnvs } from '../support/env';

const SHA = 'c'.repeat(40);
const BASE = {
  name: 'rag',
  stage: 'staging',
  kubernetes: { context: 'x' },
  backend: { type: 'gcs', bucket: 'state', prefix: 'rag' },
  embeddings: [
    { name: 'bge', model: 'BAAI/bge-large-en-v1.5', revision: SHA, pool: 'cpu' },
    { name: 'custom', model: 'acme/huge-embed', revision: SHA, pool: 'cpu', dimension: 3072, maxTokens: 8192 },
  ],
};
const store = (s: object) => ({ vectorStore: { type: 'qdrant', ...s } });

describe('vector store checks', () => {
  it('accepts a collection whose dimension matches, and takes the dimension from the model when absent', () => {
    const { env } = writeEnvs({ env: { ...BASE, ...store({ collections: [{ name: 'docs', embedding: 'bge', dimension: 1024 }, { name: 'more', embedding: 'bge' }] }) } });
    expect(loadEnvironment(env!).env.vectorStore!.collections.map((c) => c.distance)).toEqual(['cosine', 'cosine']);
  });

  const cases: Array<[string, object, RegExp]> = [
    ['a dimension that conflicts with the embedding model, naming both', store({ collections: [{ name: 'docs', embedding: 'bge', dimension: 768 }] }),
      /vectorStore\.collections\[0\]\.dimension: 768 differs from the 1024 dimensions of BAAI\/bge-large-en-v1\.5 \(embedding "bge"\); remove dimension or use 1024$/],
    ['an unknown embedding server', store({ collections: [{ name: 'docs', embedding: 'e5' }] }), /vectorStore\.collections\[0\]\.embedding: unknown embedding server "e5"; use one of: bge, custom$/],
    ['a duplicate collection', store({ collections: [{ name: 'docs', embedding: 'bge' }, { name: 'docs', embedding: 'bge' }] }), /vectorStore\.collections\[1\]\.name: duplicate collection name "docs" \(also vectorStore\.collections\[0\], line \d+\)/],
    ['a collection name that is not a table name', store({ collections: [{ name: 'My Docs', embedding: 'bge' }] }), /vectorStore\.collections\[0\]\.name: "My Docs" is not a collection name/],
    ['more dimensions than pgvector HNSW takes', { vectorStore: { type: 'pgvector', collections: [{ name: 'docs', embedding: 'custom' }] } },
      /vectorStore\.collections\[0\]\.embedding: acme\/huge-embed makes 3072-dimension vectors and pgvector's HNSW index takes at most 2000; use qdrant or a smaller embedding model$/],
    ['pgvector in prod without backups', { stage: 'prod', vectorStore: { type: 'pgvector', collections: [] } }, /vectorStore\.backup\.objectStore: prod needs scheduled backups of Postgres/],
    ['an unknown store type', { vectorStore: { type: 'milvus' } }, /vectorStore\.type: unknown vector store "milvus"; use qdrant or pgvector$/],
    ['a malformed backup schedule', store({ backup: { schedule: 'daily' } }), /vectorStore\.backup\.schedule: "daily" is not a cron schedule; use five fields/],
  ];

  it.each(cases)('fails on %s', (_what, change, expected) => {
    const { env } = writeEnvs({ env: { ...BASE, ...change } });
    expect(problemsOf(env!).map(formatProblem)).toContainEqual(expect.stringMatching(expected));
  });
});
