/**
 * The resolved environment: a valid Environment with every decision taken once. Per model its plan (weights, KV,
 * effective quantisation and length, load), whether it spans nodes, its replicas at creation, its memory share on a
 * time-sliced GPU and the GPU resource it requests; per pool its device and capacity (used and free by one formula);
 * the stage-dependent values (replicas, instances, protection) from DEFAULTS.byStage.
 *
 * The checks (model-checks.ts) run on input that is only partly valid, so the pieces resolve one at a time
 * (`resolvePools`, `modelServing`); each is memoised per validated input object, so that the checks, the loader's
 * `resolveEnvironment`, `capacity`, the diagram and the stacks all read one plan, computed once.
 */
import { GPUS, clusterMigStrategy, gpuResourceName, poolDevice, type GpuSpec, type MigStrategy, type PoolDevice } from '../catalog/gpus';
import { EMBEDDING_MODELS, embeddingDimension, type ModelArchitecture } from '../catalog/models';
import { architectureOf, downloadBytes, effectiveServing, planServing, prefetchBytes, type Plan, type Quantization } from '../catalog/planner';
import { mbps, planStartup, type StartupPlan, type StartupRates } from '../catalog/startup';
import { DEFAULTS } from './defaults';
import type { EmbeddingSpec, Environment, GpuPoolSpec, ModelServerSpec, Stage } from './schema';

/** A pool as the servers see it: its schedulable device and how many of them it has. */
export interface PoolResolution {
  /** Index in gpuPools (for located messages). */
  readonly index: number;
  readonly name: string;
  readonly gpu: GpuSpec;
  /** The schedulable device; undefined for a MIG layout that mixes profiles (`balanced`) or a bad profile. */
  readonly device: PoolDevice | undefined;
  /** The pool's own sharing is invalid (reported with the pool): its servers are not checked against it. */
  readonly broken: boolean;
  /** Schedulable devices per node (GPUs x slices or time-slice shares). */
  readonly devicesPerNode: number;
  readonly nodes: number;
  /** Schedulable devices in the pool. */
  readonly capacity: number;
}

/** A model server's settings once defaults are applied, and its plan on one device of its pool. */
export interface ModelServing {
  readonly quantization: Quantization;
  readonly maxModelLen: number;
  readonly plan: Plan;
}

type PoolInput = Pick<GpuPoolSpec, 'name' | 'gpu' | 'gpusPerNode' | 'nodes' | 'sharing'>;
type ServingInput = Parameters<typeof planServing>[0];

const POOLS = new WeakMap<readonly PoolInput[], ReadonlyMap<string, PoolResolution>>();

/** The pools by name (the first of a name; pools of an unknown GPU left out: the schema reports them). */
export function resolvePools(pools: readonly PoolInput[]): ReadonlyMap<string, PoolResolution> {
  const cached = POOLS.get(pools);
  if (cached) return cached;
  const out = new Map<string, PoolResolution>();
  pools.forEach((p, index) => {
    const gpu = GPUS[p.gpu];
    if (!gpu || out.has(p.name)) return;
    const device = poolDevice(gpu, p.sharing);
    const devicesPerNode = p.gpusPerNode * (device?.perGpu ?? 1);
    out.set(p.name, {
      index,
      name: p.name,
      gpu,
      device,
      broken: device === undefined && !(p.sharing.mode === 'mig' && p.sharing.profile === 'balanced'),
      devicesPerNode,
      nodes: p.nodes.length,
      capacity: p.nodes.length * devicesPerNode,
    });
  });
  POOLS.set(pools, out);
  return out;
}

const SERVING = new WeakMap<ServingInput, { readonly device: PoolDevice; readonly serving: ModelServing }>();

/** The plan of a model server on one device of its pool (computed once per model entry and device). */
export function modelServing(m: ServingInput, arch: ModelArchitecture, device: PoolDevice): ModelServing {
  const cached = SERVING.get(m);
  if (cached && cached.device === device) return cached.serving;
  const serving = { ...effectiveServing(m, arch), plan: planServing(m, arch, device) };
  SERVING.set(m, { device, serving });
  return serving;
}

/** Devices a model server may hold on its pool: a replica's GPUs x its most replicas (the autoscaler's max). */
export function poolDemand(m: Pick<ModelServerSpec, 'tensorParallel' | 'pipelineParallel' | 'replicas' | 'autoscaling'>): number {
  return m.tensorParallel * m.pipelineParallel * maxReplicas(m);
}

/** The most replicas a model server runs: with autoscaling, the most it may scale to. */
export function maxReplicas(m: Pick<ModelServerSpec, 'replicas' | 'autoscaling'>): number {
  return m.autoscaling ? m.autoscaling.max : m.replicas;
}

export interface ResolvedPool extends PoolResolution {
  readonly spec: GpuPoolSpec;
  /** What a pod requests for one device; undefined on a pool that mixes MIG profiles (balanced). */
  readonly resource: string | undefined;
  /** Devices its servers may hold (model servers at their most replicas, GPU embedding servers). */
  readonly used: number;
  readonly free: number;
}

export interface ResolvedModel extends ModelServing {
  readonly spec: ModelServerSpec;
  readonly arch: ModelArchitecture;
  /** Whether the checkpoint is already quantised (not a 16/32-bit one). */
  readonly prequantized: boolean;
  /** Bytes the engine downloads into its cache. */
  readonly downloadBytes: number;
  /** A replica spans nodes: tensor parallel inside a node, pipeline parallel across nodes. */
  readonly multiNode: boolean;
  /** Nodes one replica spans (its pipeline stages when multi-node), 1 otherwise. */
  readonly nodesPerReplica: number;
  /** Replicas at creation: with an autoscaler, its floor. */
  readonly replicas: number;
  /** The most replicas it runs (the autoscaler's max). */
  readonly maxReplicas: number;
  /** gpuMemoryUtilization as the engine is given it: on a time-sliced pool, its share of the GPU. */
  readonly gpuMemoryUtilization: number;
  /** The extended resource a pod requests. */
  readonly gpuResource: string;
  /** Start-up estimate (catalog/startup.ts): cold and warm start, bytes fetched, the probe budget. */
  readonly startup: StartupPlan;
}

export interface ResolvedEmbedding {
  readonly spec: EmbeddingSpec;
  /** Its GPU pool; undefined on CPU. */
  readonly pool: string | undefined;
  readonly gpuResource: string | undefined;
  readonly computeCapability: number | undefined;
  readonly parameters: number;
  readonly dimension: number;
}

/** Values an environment leaves to its stage (DEFAULTS.byStage), decided. */
export interface StageValues {
  readonly gatewayReplicas: number;
  readonly gatewayDatabaseInstances: number;
  readonly edgeReplicas: number;
  readonly vectorStoreReplicas: number;
  /** prevent_destroy on stateful resources and their namespaces. */
  readonly preventDestroy: boolean;
  /** Embedding replicas must spread over nodes. */
  readonly spreadEmbeddings: boolean;
}

export interface ResolvedEnvironment {
  readonly env: Environment;
  readonly stage: Stage;
  readonly migStrategy: MigStrategy;
  readonly pools: readonly ResolvedPool[];
  readonly models: readonly ResolvedModel[];
  readonly embeddings: readonly ResolvedEmbedding[];
  /** The vector store's collections with their dimensions (from the embedding server that fills them). */
  readonly collections: readonly { readonly spec: NonNullable<Environment['vectorStore']>['collections'][number]; readonly dimension: number }[];
  /** The optional operators it needs: LWS for multi-node models, KEDA for autoscaling, cert-manager for the edge. */
  readonly operators: { readonly lws: boolean; readonly keda: boolean; readonly certManager: boolean };
  readonly stageValues: StageValues;
  /** The declared bandwidths of the start-up estimates. */
  readonly startupRates: StartupRates;
}

/** Thrown for an Environment the schema did not accept (resolveEnvironment takes validated input only). */
function invalid(what: string): never {
  throw new Error(`resolveEnvironment: ${what}; validate the environment first (loadEnvironment / EnvironmentSchema)`);
}

/** The resolved environment of a valid Environment (pure; the plan of each model is computed once). */
export function resolveEnvironment(env: Environment): ResolvedEnvironment {
  const byName = resolvePools(env.gpuPools);
  const migStrategy = clusterMigStrategy(env.gpuPools);
  const poolOf = (name: string) => byName.get(name) ?? invalid(`unknown pool ${JSON.stringify(name)}`);
  const deviceOf = (p: PoolResolution) => p.device ?? invalid(`pool "${p.name}" has no single device (balanced MIG)`);
  const resourceOf = (spec: GpuPoolSpec) => gpuResourceName(spec.sharing, migStrategy);

  const startupRates = { downloadBytesPerSecond: mbps(env.startup.downloadMBps), cacheReadBytesPerSecond: mbps(env.startup.cacheReadMBps) };
  const models = env.models.map((m): ResolvedModel => {
    const pool = poolOf(m.pool);
    const spec = env.gpuPools[pool.index]!;
    const arch = architectureOf(m) ?? invalid(`${m.model} is not in the model catalogue and has no architecture`);
    const serving = modelServing(m, arch, deviceOf(pool));
    const multiNode = m.tensorParallel * m.pipelineParallel > spec.gpusPerNode;
    const shared = m.cache.mode === 'shared';
    const fetched = shared ? prefetchBytes(m) : downloadBytes(m.engine, m);
    return {
      spec: m,
      arch,
      ...serving,
      prequantized: arch.checkpoint !== 'bf16' && arch.checkpoint !== 'fp16' && arch.checkpoint !== 'fp32',
      downloadBytes: fetched,
      multiNode,
      nodesPerReplica: multiNode ? m.pipelineParallel : 1,
      replicas: m.autoscaling ? m.autoscaling.min : m.replicas,
      maxReplicas: maxReplicas(m),
      gpuMemoryUtilization: spec.sharing.mode === 'time-slicing' ? Number((m.gpuMemoryUtilization / spec.sharing.replicas).toFixed(4)) : m.gpuMemoryUtilization,
      gpuResource: resourceOf(spec) ?? invalid(`pool "${spec.name}" mixes MIG profiles (balanced): no one GPU resource to request`),
      startup: planStartup({ downloadBytes: fetched, weightBytesPerGpu: serving.plan.weightBytesPerGpu, gpus: serving.plan.gpusPerReplica, cacheMode: shared ? 'shared' : 'per-replica', rates: startupRates }),
    };
  });

  const embeddings = env.embeddings.map((e): ResolvedEmbedding => {
    const pool = e.pool === 'cpu' ? undefined : poolOf(e.pool);
    const spec = pool ? env.gpuPools[pool.index]! : undefined;
    return {
      spec: e,
      pool: pool?.name,
      gpuResource: spec ? (resourceOf(spec) ?? invalid(`pool "${spec.name}" mixes MIG profiles (balanced): no one GPU resource to request`)) : undefined,
      computeCapability: pool?.gpu.computeCapability,
      parameters: EMBEDDING_MODELS[e.model]?.parameters ?? DEFAULTS.embedding.parameters,
      dimension: embeddingDimension(e) ?? invalid(`embedding ${e.name}: no dimension`),
    };
  });

  const used = new Map<string, number>();
  const use = (pool: string, n: number) => used.set(pool, (used.get(pool) ?? 0) + n);
  for (const m of env.models) use(m.pool, poolDemand(m));
  for (const e of env.embeddings) if (e.pool !== 'cpu') use(e.pool, e.replicas);
  const pools = env.gpuPools.map((spec, index): ResolvedPool => {
    const gpu = GPUS[spec.gpu] ?? invalid(`unknown GPU ${JSON.stringify(spec.gpu)}`);
    const r = byName.get(spec.name)?.index === index ? byName.get(spec.name)! : invalid(`duplicate pool name ${JSON.stringify(spec.name)}`);
    const u = used.get(spec.name) ?? 0;
    return { ...r, gpu, spec, resource: resourceOf(spec), used: u, free: r.capacity - u };
  });

  const dimensionOf = (name: string) => embeddings.find((e) => e.spec.name === name)?.dimension ?? invalid(`collection embedding ${JSON.stringify(name)} is not an embedding server`);
  const store = env.vectorStore;
  const stage = env.stage;
  return {
    env,
    stage,
    migStrategy,
    pools,
    models,
    embeddings,
    collections: store ? store.collections.map((c) => ({ spec: c, dimension: c.dimension ?? dimensionOf(c.embedding) })) : [],
    operators: {
      lws: models.some((m) => m.multiNode),
      keda: env.models.some((m) => m.autoscaling !== undefined),
      certManager: env.edge?.tls.mode === 'cert-manager',
    },
    startupRates,
    stageValues: {
      gatewayReplicas: env.gateway.replicas ?? DEFAULTS.byStage.gatewayReplicas[stage],
      gatewayDatabaseInstances: env.gateway.database.instances ?? DEFAULTS.byStage.databaseInstances[stage],
      edgeReplicas: env.edge?.replicas ?? DEFAULTS.byStage.edgeReplicas[stage],
      vectorStoreReplicas: store?.replicas ?? DEFAULTS.byStage.vectorStoreReplicas[stage],
      preventDestroy: DEFAULTS.byStage.preventDestroy[stage],
      spreadEmbeddings: DEFAULTS.byStage.spreadEmbeddings[stage],
    },
  };
}
