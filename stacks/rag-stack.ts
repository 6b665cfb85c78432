import { NamespaceIsolation } from '../constructs/namespace-isolation';
import { PgvectorStore } from '../constructs/pgvector-store';
import type { Construct } from '../lib/cdktf';
import { QdrantStore } from '../constructs/qdrant-store';
import type { VectorCollection } from '../constructs/vector-collection';
import type { ResolvedEnvironment } from '../environments/resolve';
import type { VectorStoreSpec } from '../environments/schema';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';
import { NAMESPACES, PORTS } from './topology';

/**
 * The RAG tier: Qdrant or pgvector with the environment's collections, durable (volumes retained, prevent_destroy
 * in prod, scheduled snapshots or backups), reachable only from the allowed namespaces: `<env>-rag`.
 */
export class RagStack extends EnvironmentStack {
  /** The namespace (created by the namespaces stack). */
  readonly namespace: string = NAMESPACES.rag;
  readonly store: QdrantStore | PgvectorStore;

  constructor(scope: Construct, resolved: ResolvedEnvironment) {
    super(scope, resolved, 'rag');
    const store: VectorStoreSpec | undefined = resolved.env.vectorStore;
    if (!store) throw new Error(`${resolved.env.name}: the environment declares no vector store; add no RagStack`);
    const collections: VectorCollection[] = resolved.collections.map((c) => ({ name: c.spec.name, dimension: c.dimension, distance: c.spec.distance }));
    const replicas = resolved.stageValues.vectorStoreReplicas;
    const preventDestroy = resolved.stageValues.preventDestroy;
    this.store =
      store.type === 'qdrant'
        ? new QdrantStore(this, 'qdrant', {
            namespace: this.namespace,
            namespaceName: NAMESPACES.rag,
            replicas,
            storageGiB: store.storage.sizeGiB,
            storageClass: store.storage.storageClass,
            apiKeySecret: store.apiKeySecret,
            collections,
            hnsw: store.hnsw,
            backup: { schedule: store.backup.schedule, keep: store.backup.keep },
            preventDestroy,
          })
        : new PgvectorStore(this, 'pgvector', {
            namespace: this.namespace,
            instances: replicas,
            storageGiB: store.storage.sizeGiB,
            storageClass: store.storage.storageClass,
            collections,
            hnsw: store.hnsw,
            backup: store.backup.objectStore ? { ...store.backup.objectStore, schedule: store.backup.schedule, retentionDays: store.backup.keep } : undefined,
            preventDestroy,
          });

    if (store.type === 'qdrant') {
      const key = store.apiKeySecret;
      this.usesSecret({ namespace: this.namespace, name: key.name, keys: { [key.key]: FILL.random }, reader: 'Qdrant, its collections Job and snapshot CronJob (API key)' });
    } else if (this.store instanceof PgvectorStore) {
      this.usesSecret({ namespace: this.namespace, name: this.store.cluster.appSecretName, keys: { dbname: FILL.random, username: FILL.random, password: FILL.random }, reader: 'pgvector collections Job', createdBy: 'CloudNativePG' });
      const s3 = store.backup.objectStore;
      if (s3) this.usesSecret({ namespace: this.namespace, name: s3.secretName, keys: { ACCESS_KEY_ID: FILL.placeholder('S3 access key id'), ACCESS_SECRET_KEY: FILL.placeholder('S3 secret access key') }, reader: 'pgvector backups (CloudNativePG, S3 credentials)' });
    }
    const isolation = new NamespaceIsolation(this, 'isolation', { namespace: this.namespace });
    // The store's own pods (replication, the collection Job) and the allowed client namespaces.
    isolation.allow('same-namespace', { from: [{ sameNamespace: true }], ports: [] });
    isolation.allow('monitoring', { to: this.store.podLabels, from: [{ namespace: NAMESPACES.monitoring }], ports: [store.type === 'qdrant' ? this.store.port : PORTS.cnpgMetrics] });
    isolation.allow('clients', { to: this.store.podLabels, from: store.allowedNamespaces.map((namespace) => ({ namespace })), ports: [this.store.port] });
    if (store.type === 'pgvector') {
      isolation.allow('cnpg-operator', { to: this.store.podLabels, from: [{ namespace: NAMESPACES.cnpg }], ports: [...PORTS.cnpgInstance] });
    }
  }
}
