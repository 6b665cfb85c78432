import { readFileSync } from 'node:fs';
import { CHARTS } from '../charts/pins';
import { projectPath } from '../lib/project-root';
import { QDRANT_HTTP_PORT, qdrantValues } from '../charts/qdrant';
import { IMAGES, imageRef } from '../catalog/images';
import type { SecretKeyRef } from './llm-server-props';
import { ConfigMapV1, CronJobV1, type JobV1, type Release } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { pinnedRelease } from './private/pinned-release';
import { terraformLiteralData } from '../lib/terraform-literal';
import { scriptJob, scriptPodSpec } from './private/script-job';
import type { HnswSettings, VectorCollection } from './vector-collection';

const SCRIPT = readFileSync(projectPath('constructs', 'assets', 'qdrant-ops.py'), 'utf8');
const DISTANCE = { cosine: 'Cosine', dot: 'Dot', euclid: 'Euclid' } as const;
export const QDRANT_RELEASE = 'qdrant';
const PYTHON_UID = 65534;

export interface QdrantStoreProps {
  /** The namespace, by reference (resources wait for it). */
  readonly namespace: string;
  /** Its plain name, for the in-cluster addresses. */
  readonly namespaceName: string;
  readonly replicas: number;
  readonly storageGiB: number;
  /** @default - the cluster's default storage class */
  readonly storageClass?: string;
  readonly apiKeySecret: SecretKeyRef;
  readonly collections: readonly VectorCollection[];
  readonly hnsw: HnswSettings;
  /** Snapshots: five-field cron, and how many to keep per replica. */
  readonly backup: { readonly schedule: string; readonly keep: number };
  readonly preventDestroy: boolean;
}

/** The collections as the script creates them. */
export function qdrantCollectionsSpec(collections: readonly VectorCollection[], hnsw: HnswSettings, replicas: number): object {
  return {
    collections: collections.map((c) => ({
      name: c.name,
      size: c.dimension,
      distance: DISTANCE[c.distance],
      m: hnsw.m,
      ef_construct: hnsw.efConstruct,
      replication_factor: Math.min(replicas, 2),
    })),
  };
}

/**
 * Qdrant from its chart: persistent storage and a snapshot volume, API key from a Secret, a PDB when replicated,
 * collections created by an idempotent Job, snapshots on a schedule, metrics on its HTTP port.
 */
export class QdrantStore extends Construct {
  readonly release: Release;
  readonly collectionsJob?: JobV1;
  readonly snapshots: CronJobV1;
  readonly port = QDRANT_HTTP_PORT;
  readonly podLabels = { 'app.kubernetes.io/name': 'qdrant' } as const;

  constructor(scope: Construct, id: string, props: QdrantStoreProps) {
    super(scope, id);
    this.release = pinnedRelease(this, 'release', {
      name: QDRANT_RELEASE,
      namespace: props.namespace,
      chart: CHARTS.qdrant,
      values: qdrantValues(props),
      timeoutSeconds: 900,
      preventDestroy: props.preventDestroy,
    });
    const service = `http://${QDRANT_RELEASE}.${props.namespaceName}.svc.cluster.local:${QDRANT_HTTP_PORT}`;
    const replicaUrls = Array.from({ length: props.replicas }, (_, i) => `http://${QDRANT_RELEASE}-${i}.${QDRANT_RELEASE}-headless.${props.namespaceName}.svc.cluster.local:${QDRANT_HTTP_PORT}`);
    const python = imageRef(IMAGES.python);
    const apiKey = { name: 'QDRANT_API_KEY', secret: props.apiKeySecret };

    if (props.collections.length > 0) {
      this.collectionsJob = scriptJob(this, 'collections', {
        name: 'rag-collections',
        namespace: props.namespace,
        image: python,
        command: ['python3', '/ops/qdrant-ops.py', 'collections'],
        files: { 'qdrant-ops.py': SCRIPT, 'spec.json': `${JSON.stringify(qdrantCollectionsSpec(props.collections, props.hnsw, props.replicas), null, 2)}\n` },
        mountPath: '/ops',
        env: [{ name: 'QDRANT_URLS', value: service }, { name: 'SPEC', value: '/ops/spec.json' }, apiKey],
        uid: PYTHON_UID,
        dependsOn: [this.release],
      }).job;
    }

    const labels = { 'app.kubernetes.io/name': 'qdrant-snapshot', 'app.kubernetes.io/managed-by': 'inference-stack' };
    // The CronJob's copy of the script, under a stable name.
    const opsConfig = new ConfigMapV1(this, 'ops-config', { metadata: { name: 'qdrant-ops', namespace: props.namespace }, data: terraformLiteralData({ 'qdrant-ops.py': SCRIPT }) });
    this.snapshots = new CronJobV1(this, 'snapshots', {
      metadata: { name: 'qdrant-snapshot', namespace: props.namespace, labels },
      spec: {
        schedule: props.backup.schedule,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 2,
            template: {
              metadata: { labels },
              spec: scriptPodSpec({
                name: 'snapshot',
                image: python,
                command: ['python3', '/ops/qdrant-ops.py', 'snapshot'],
                env: [{ name: 'QDRANT_URLS', value: replicaUrls.join(',') }, { name: 'KEEP', value: String(props.backup.keep) }, apiKey],
                uid: PYTHON_UID,
                configMap: opsConfig.metadata.name,
                mountPath: '/ops',
              }),
            },
          },
        },
      },
    });
  }
}
