/**
 * Every default of the environment schema, in one object that the schema and the README both read.
 */
import { COST_DEFAULTS } from '../catalog/cost';
import { GPU_OPERATOR_COMPONENT_VERSIONS } from '../charts/gpu-operator';
import { DEFAULT_CACHE_READ_BYTES_PER_SECOND, DEFAULT_DOWNLOAD_BYTES_PER_SECOND } from '../catalog/startup';

export const DEFAULTS = {
  kubernetes: {
    /** The kubernetes and helm providers expand `~` themselves, so the output names no home directory. */
    configPath: '~/.kube/config',
  },
  backend: {
    kubernetesNamespace: 'kube-system',
  },
  /** Key of a Secret reference when none is given. */
  secretKey: 'token',
  gpuPool: {
    sharing: { mode: 'none' },
    /** Taint GPU nodes so only GPU pods land there (false only in dev, for a single-node cluster). */
    taint: true,
  },
  /** Checkpoint format of an `architecture:` block that names none. */
  checkpoint: 'bf16',
  model: {
    engine: 'vllm',
    tensorParallel: 1,
    pipelineParallel: 1,
    kvCacheDtype: 'auto',
    gpuMemoryUtilization: 0.9,
    /** Applied after the checks, which refuse `replicas` beside `autoscaling`. */
    replicas: 1,
    trustRemoteCode: false,
    targetQueueDepth: 8,
  },
  embedding: {
    replicas: 1,
    /** Parameters assumed for an embedding model outside the catalogue (sizes its server). */
    parameters: 500e6,
  },
  gateway: {
    masterKeySecret: { name: 'litellm-master-key', key: 'master-key' },
    databaseStorageGiB: 10,
    numRetries: 2,
    timeoutSeconds: 600,
    /** A PII guardrail's defaults: mask before every call that leaves the cluster. */
    guardrail: { action: 'mask', appliesTo: 'hosted', mode: 'pre_call' },
  },
  edge: {
    serviceType: 'LoadBalancer',
    issuerKind: 'ClusterIssuer',
    mtlsEnabled: false,
    clientCaKey: 'ca.crt',
  },
  vectorStore: {
    storageGiB: 20,
    apiKeySecret: { name: 'qdrant-api-key', key: 'api-key' },
    backupSchedule: '0 3 * * *',
    backupKeep: 7,
    distance: 'cosine',
    hnsw: { m: 16, efConstruct: 100 },
    allowedNamespaces: ['gateway'],
  },
  tracing: {
    inCluster: {
      credentialsSecret: 'langfuse-credentials',
      s3ConfigSecret: 'langfuse-s3-config',
      // the chart's defaults (values.yaml), but the keeper's 20Gi: one ClickHouse cluster's metadata needs far less
      storage: { postgresGiB: 20, clickhouseGiB: 100, keeperGiB: 10, redisGiB: 8, s3GiB: 50 },
    },
  },
  observability: {
    retentionDays: 15,
    storageGiB: 50,
    grafanaAdminSecret: { name: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' },
    slo: {
      ttftSeconds: 2,
      errorRatio: 0.05,
      queuePerReplica: 16,
      kvCacheUsage: 0.95,
      gpuTemperatureCelsius: 85,
      budgetRemainingRatio: 0.1,
      certificateDays: 14,
    },
  },
  /** Declared bandwidths of the start-up estimates (catalog/startup.ts), MB/s. */
  startup: {
    downloadMBps: DEFAULT_DOWNLOAD_BYTES_PER_SECOND / 1e6,
    cacheReadMBps: DEFAULT_CACHE_READ_BYTES_PER_SECOND / 1e6,
  },
  /** The `cost:` block (catalog/cost.ts: currency, margin, utilisation and context length of the estimate). */
  cost: { ...COST_DEFAULTS },
  /** Values an environment leaves to its stage (environments/resolve.ts decides them). */
  byStage: {
    gatewayReplicas: { dev: 1, staging: 2, prod: 2 },
    databaseInstances: { dev: 1, staging: 2, prod: 3 },
    edgeReplicas: { dev: 1, staging: 2, prod: 2 },
    vectorStoreReplicas: { dev: 1, staging: 2, prod: 3 },
    preventDestroy: { dev: false, staging: false, prod: true },
    spreadEmbeddings: { dev: false, staging: false, prod: true },
  },
  gpuOperator: {
    versions: { ...GPU_OPERATOR_COMPONENT_VERSIONS },
    driverEnabled: true,
    dcgmServiceMonitor: true,
    maxParallelDriverUpgrades: 1,
  },
} as const;

/** A stage-dependent default in words, as the schema's descriptions and README say it: "1 in dev, 2 elsewhere". */
export function byStageText(v: { readonly dev: number; readonly staging: number; readonly prod: number }): string {
  return v.staging === v.prod ? `${v.dev} in dev, ${v.staging} elsewhere` : `${v.dev} in dev, ${v.staging} in staging, ${v.prod} in prod`;
}
