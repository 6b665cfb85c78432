import { GPUS, clusterMigStrategy, gpuResourceName, poolDevice, type MigStrategy } from '../catalog/gpus';
import { EMBEDDING_MODELS, MODELS } from '../catalog/models';
import { architectureOf, downloadBytes, effectiveServing, planServing } from '../catalog/planner';
import type { LlmServerProps } from '../constructs/llm-server-props';
import { ModelAutoscaler } from '../constructs/model-autoscaler';
import { MultiNodeVllmServer, multiNodeGroupName } from '../constructs/multi-node-vllm-server';
import { NamespaceIsolation } from '../constructs/namespace-isolation';
import { OllamaServer } from '../constructs/ollama-server';
import type { Construct } from '../lib/cdktf';
import { TeiEmbeddingServer } from '../constructs/tei-embedding-server';
import { TgiServer } from '../constructs/tgi-server';
import { VllmServer } from '../constructs/vllm-server';
import type { Environment, ModelServerSpec } from '../environments/schema';
import { NAMESPACES } from './namespaces';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';

/** Namespace of the model and embedding servers. */
export const MODELS_NAMESPACE = NAMESPACES.models;

export type LlmServer = VllmServer | TgiServer | OllamaServer | MultiNodeVllmServer;

/** Prometheus as kube-prometheus-stack names it, for the autoscalers' queries. */
export const PROMETHEUS_URL = `http://kube-prometheus-stack-prometheus.${NAMESPACES.monitoring}.svc.cluster.local:9090`;

/** A model whose replica spans nodes: tensor parallel inside a node, pipeline parallel across nodes. */
export function isMultiNode(env: Environment, m: ModelServerSpec): boolean {
  const pool = env.gpuPools.find((p) => p.name === m.pool);
  return pool !== undefined && m.tensorParallel * m.pipelineParallel > pool.gpusPerNode;
}

/**
 * The model servers (vLLM, TGI, Ollama in dev) and embedding servers (TEI) of an environment, each sized by the
 * capacity planner for its pool: `<env>-models`.
 */
export class ModelsStack extends EnvironmentStack {
  /** The namespace (created by the namespaces stack). */
  readonly namespace: string = MODELS_NAMESPACE;
  readonly servers: Readonly<Record<string, LlmServer>>;
  readonly embeddings: Readonly<Record<string, TeiEmbeddingServer>>;

  constructor(scope: Construct, env: Environment) {
    super(scope, env, 'models');
    const pools = new Map(env.gpuPools.map((p) => [p.name, p]));
    const migStrategy = clusterMigStrategy(env.gpuPools);

    const hfToken = (secret: { name: string; key: string } | undefined, reader: string) => {
      if (secret) this.usesSecret({ namespace: this.namespace, name: secret.name, keys: { [secret.key]: FILL.placeholder('Hugging Face token') }, reader });
    };
    const servers: Record<string, LlmServer> = {};
    for (const m of env.models) {
      hfToken(m.hfTokenSecret, `model ${m.name}`);
      const props = llmProps(m, this.namespace, pools.get(m.pool)!, migStrategy);
      const id = `model-${m.name}`;
      const multiNode = isMultiNode(env, m);
      servers[m.name] =
        m.engine === 'tgi'
          ? new TgiServer(this, id, props)
          : m.engine === 'ollama'
            ? new OllamaServer(this, id, { ...props, ollamaTag: ollamaTagOf(m) })
            : multiNode
              ? new MultiNodeVllmServer(this, id, props)
              : new VllmServer(this, id, props);
      if (m.autoscaling) {
        new ModelAutoscaler(this, `autoscaler-${m.name}`, {
          model: m.name,
          namespace: this.namespace,
          target: multiNode
            ? { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: multiNodeGroupName(m.name) }
            : { apiVersion: 'apps/v1', kind: 'StatefulSet', name: m.name },
          min: m.autoscaling.min,
          max: m.autoscaling.max,
          targetQueueDepth: m.autoscaling.targetQueueDepth,
          targetKvCacheUsage: m.autoscaling.targetKvCacheUsage,
          prometheus: PROMETHEUS_URL,
          // From zero there is no server to report a queue: requests reaching the gateway wake it.
          wakeOnGatewayRequests: m.autoscaling.min === 0,
        });
      }
    }
    this.servers = servers;

    const embeddings: Record<string, TeiEmbeddingServer> = {};
    for (const e of env.embeddings) {
      const pool = e.pool === 'cpu' ? undefined : pools.get(e.pool);
      hfToken(e.hfTokenSecret, `embedding ${e.name}`);
      embeddings[e.name] = new TeiEmbeddingServer(this, `embedding-${e.name}`, {
        name: e.name,
        namespace: this.namespace,
        model: e.model,
        revision: e.revision,
        pool: pool?.name,
        gpuResource: pool ? poolGpuResource(pool, migStrategy) : undefined,
        computeCapability: pool ? GPUS[pool.gpu]!.computeCapability : undefined,
        replicas: e.replicas,
        parameters: EMBEDDING_MODELS[e.model]?.parameters ?? 500e6,
        image: e.image,
        cache: e.cache,
        hfTokenSecret: e.hfTokenSecret,
        spreadRequired: env.stage === 'prod',
      });
    }
    this.embeddings = embeddings;

    // Only the gateway reaches the servers (edge -> gateway -> model servers).
    const isolation = new NamespaceIsolation(this, 'isolation', { namespace: this.namespace });
    isolation.allow('gateway', {
      from: [{ namespace: NAMESPACES.gateway, podLabels: { 'app.kubernetes.io/name': 'litellm' } }],
      ports: [...new Set([...Object.values(servers).map((s) => s.port), ...Object.values(embeddings).map((e) => e.port)])].sort((a, b) => a - b),
    });
    isolation.allow('monitoring', { from: [{ namespace: NAMESPACES.monitoring }], ports: [8000] });
    if (env.models.some((m) => isMultiNode(env, m))) {
      // The pods of a multi-node group talk to each other: rendezvous, then NCCL on ports it picks.
      isolation.allow('serving-groups', { to: { 'inference-stack.io/engine': 'vllm' }, from: [{ sameNamespace: true }], ports: [] });
    }
  }
}


function ollamaTagOf(m: ModelServerSpec): string {
  const tag = MODELS[m.model]?.ollamaTag;
  if (!tag) throw new Error(`models "${m.name}": ${m.model} has no Ollama tag in the catalogue`);
  return tag;
}

/** The resource a server on the pool requests; the environment checks refuse servers on a `balanced` pool. */
function poolGpuResource(pool: Environment['gpuPools'][number], strategy: MigStrategy): string {
  const name = gpuResourceName(pool.sharing, strategy);
  if (!name) throw new Error(`pool "${pool.name}" mixes MIG profiles (balanced): no one GPU resource to request`);
  return name;
}

/** A validated model entry as server props: defaults applied, sizes from the planner. */
function llmProps(m: ModelServerSpec, namespace: string, pool: Environment['gpuPools'][number], migStrategy: MigStrategy): LlmServerProps {
  const arch = architectureOf(m)!;
  const device = poolDevice(GPUS[pool.gpu]!, pool.sharing)!;
  const eff = effectiveServing(m, arch);
  const plan = planServing(m, arch, device);
  return {
    name: m.name,
    namespace,
    model: m.model,
    revision: m.revision,
    pool: m.pool,
    gpuResource: poolGpuResource(pool, migStrategy),
    tensorParallel: m.tensorParallel,
    pipelineParallel: m.pipelineParallel,
    quantization: eff.quantization,
    prequantized: arch.checkpoint !== 'bf16' && arch.checkpoint !== 'fp16' && arch.checkpoint !== 'fp32',
    kvCacheDtype: m.kvCacheDtype,
    maxModelLen: eff.maxModelLen,
    // On a time-sliced pool the engine sees the whole GPU but may take only its share of it.
    gpuMemoryUtilization:
      pool.sharing.mode === 'time-slicing' ? Number((m.gpuMemoryUtilization / pool.sharing.replicas).toFixed(4)) : m.gpuMemoryUtilization,
    // With an autoscaler, the count at creation is its floor.
    replicas: m.autoscaling ? m.autoscaling.min : m.replicas,
    autoscaled: m.autoscaling !== undefined,
    image: m.image,
    extraArgs: m.extraArgs,
    cache: m.cache,
    hfTokenSecret: m.hfTokenSecret,
    trustRemoteCode: m.trustRemoteCode,
    load: { downloadBytes: downloadBytes(m.engine, m), weightBytesPerGpu: plan.weightBytesPerGpu, gpus: plan.gpusPerReplica },
    startupTimeoutSeconds: m.startupTimeoutSeconds,
  };
}
