/** Typed values for Qdrant's chart (pinned in `CHARTS.qdrant`). */
import { restrictedContainerSecurity, restrictedPodSecurity, spreadOverNodes } from './pod-security';

export const QDRANT_VERSION = 'v1.19.0';
export const QDRANT_HTTP_PORT = 6333;

export interface QdrantValuesOptions {
  readonly replicas: number;
  readonly storageGiB: number;
  readonly storageClass?: string;
  /** Existing Secret with the API key. */
  readonly apiKeySecret: { readonly name: string; readonly key: string };
}

export function qdrantValues(o: QdrantValuesOptions): object {
  return {
    replicaCount: o.replicas,
    // The unprivileged image runs as a non-root user and needs no root init container to chown volumes.
    image: { tag: QDRANT_VERSION, useUnprivilegedImage: true, pullPolicy: 'IfNotPresent' },
    updateVolumeFsOwnership: false,
    // The API key reaches Qdrant as an env var from the existing Secret, read by the kubelet at pod start: a rotated
    // key applies on the next restart. Not the chart's apiKey.valueFrom, which copies the Secret with `lookup` into
    // the chart's own Secret at render time (templates/_helpers.tpl) and so refreshes only on a helm upgrade.
    // Qdrant maps QDRANT__SERVICE__API_KEY to service.api_key (src/settings.rs, prefix QDRANT, separator __).
    env: [{ name: 'QDRANT__SERVICE__API_KEY', valueFrom: { secretKeyRef: { name: o.apiKeySecret.name, key: o.apiKeySecret.key } } }],
    persistence: { size: `${o.storageGiB}Gi`, ...(o.storageClass ? { storageClassName: o.storageClass } : {}) },
    // Snapshots get a volume of the same size, so a large snapshot cannot fill the data volume.
    snapshotPersistence: { enabled: true, size: `${o.storageGiB}Gi`, ...(o.storageClass ? { storageClassName: o.storageClass } : {}) },
    resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '4Gi' } },
    podSecurityContext: restrictedPodSecurity({ fsGroup: 3000, fsGroupChangePolicy: 'OnRootMismatch' }),
    containerSecurityContext: restrictedContainerSecurity({ runAs: { user: 1000, group: 2000 }, readOnlyRootFilesystem: true }),
    livenessProbe: { enabled: true, periodSeconds: 20, failureThreshold: 6 },
    readinessProbe: { enabled: true },
    podDisruptionBudget: { enabled: o.replicas > 1, maxUnavailable: 1 },
    topologySpreadConstraints:
      o.replicas > 1
        ? [spreadOverNodes({ 'app.kubernetes.io/name': 'qdrant' }, false)]
        : [],
  };
}
