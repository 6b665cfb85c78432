/**
 * Cross-field checks of the RAG tier: a collection's dimension comes from its embedding model, and an explicit
 * one that differs is rejected with both numbers, so the store can never drift from what fills it.
 */
import { embeddingDimension } from '../catalog/models';
import type { Environment } from './schema';

type Add = (path: (string | number)[], message: string) => void;
type Env = Pick<Environment, 'stage' | 'embeddings' | 'vectorStore'>;

/** pgvector's HNSW index takes vectors of at most this many dimensions. */
export const PGVECTOR_HNSW_MAX_DIMENSIONS = 2000;


export function checkVectorStore(env: Env, add: Add): void {
  const store = env.vectorStore;
  if (!store) return;
  const embeddings = new Map(env.embeddings.map((e) => [e.name, e]));
  const seen = new Map<string, number>();
  store.collections.forEach((c, i) => {
    const at = (field: string) => ['vectorStore', 'collections', i, field];
    const first = seen.get(c.name);
    if (first !== undefined) add(at('name'), `duplicate collection "${c.name}" (also vectorStore.collections[${first}]); give each collection its own name`);
    else seen.set(c.name, i);
    const e = embeddings.get(c.embedding);
    if (!e) {
      add(at('embedding'), `unknown embedding server "${c.embedding}"; use one of: ${[...embeddings.keys()].join(', ') || '(no embeddings defined)'}`);
      return;
    }
    const dimension = embeddingDimension(e);
    if (dimension !== undefined && c.dimension !== undefined && c.dimension !== dimension) {
      add(at('dimension'), `${c.dimension} differs from the ${dimension} dimensions of ${e.model} (embedding "${e.name}"); remove dimension or use ${dimension}`);
    }
    if (store.type === 'pgvector' && (dimension ?? 0) > PGVECTOR_HNSW_MAX_DIMENSIONS) {
      add(at('embedding'), `${e.model} makes ${dimension}-dimension vectors and pgvector's HNSW index takes at most ${PGVECTOR_HNSW_MAX_DIMENSIONS}; use qdrant or a smaller embedding model`);
    }
  });
  if (store.type === 'pgvector' && env.stage === 'prod' && !store.backup.objectStore) {
    add(['vectorStore', 'backup', 'objectStore'], 'prod needs scheduled backups of Postgres: name an S3 destinationPath and the Secret with its credentials');
  }
  if (store.type === 'qdrant' && store.backup.objectStore) {
    add(['vectorStore', 'backup', 'objectStore'], 'Qdrant keeps its snapshots on a volume; objectStore applies to pgvector only, remove it');
  }
}
