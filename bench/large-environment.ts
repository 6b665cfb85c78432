/** A generated large environment for the benchmark: 20 GPU pools, 200 models, RAG, gateway with teams, edge. */
import { stringify } from 'yaml';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const MODELS = ['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen2.5-7B-Instruct', 'mistralai/Mistral-7B-Instruct-v0.3'];

export function largeEnvironment(pools = 20, modelsPerPool = 10): string {
  const gpuPools = Array.from({ length: pools }, (_, p) => ({
    name: `pool-${p}`,
    gpu: 'h100-80gb',
    gpusPerNode: 8,
    nodes: Array.from({ length: 2 }, (_, n) => `gpu-${p}-${n}`),
  }));
  const models = gpuPools.flatMap((pool, p) =>
    Array.from({ length: modelsPerPool }, (_, m) => ({
      name: `model-${p}-${m}`,
      model: MODELS[(p + m) % MODELS.length],
      revision: SHA,
      pool: pool.name,
      maxModelLen: 16384,
      fallbacks: m > 0 ? [`model-${p}-${m - 1}`] : [],
    })),
  );
  const embeddings = Array.from({ length: 4 }, (_, i) => ({ name: `embed-${i}`, model: 'BAAI/bge-large-en-v1.5', revision: SHA, pool: 'cpu', replicas: 2 }));
  return stringify({
    name: 'large',
    stage: 'prod',
    kubernetes: { context: 'large' },
    backend: { type: 's3', bucket: 'state', key: 'large', region: 'eu-west-1', dynamodbTable: 'lock' },
    gpuPools,
    models,
    embeddings,
    gateway: {
      replicas: 3,
      teams: Array.from({ length: 20 }, (_, t) => ({
        name: `team-${t}`,
        maxBudget: 1000,
        budgetDuration: '30d',
        keys: [{ name: `team-${t}-key`, secret: { name: `team-${t}-key` } }],
      })),
    },
    edge: { hostnames: ['llm.example.com'], tls: { mode: 'secret', secretName: 'edge-tls' }, mtls: { enabled: true, clientCaSecret: { name: 'ca' } } },
    vectorStore: {
      type: 'qdrant',
      collections: Array.from({ length: 10 }, (_, c) => ({ name: `docs_${c}`, embedding: `embed-${c % 4}` })),
    },
  });
}
