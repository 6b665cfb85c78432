import { MODELS } from '../catalog/models';
import type { GpuPoolRef, HubModelServerProps } from '../constructs/llm-server-props';
import { ModelAutoscaler } from '../constructs/model-autoscaler';
import { MultiNodeVllmServer, multiNodeGroupName } from '../constructs/multi-node-vllm-server';
import { NamespaceIsolation } from '../constructs/namespace-isolation';
import { OllamaServer } from '../constructs/ollama-server';
import type { Construct } from '../lib/cdktf';
import { TeiEmbeddingServer } from '../constructs/tei-embedding-server';
import { TgiServer } from '../constructs/tgi-server';
import { VllmServer } from '../constructs/vllm-server';
import type { ResolvedEnvironment, ResolvedModel, ResolvedPool } from '../environments/resolve';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';
import { GATEWAY_POD_LABELS, NAMESPACES, PORTS, PROMETHEUS_URL } from './topology';

export type LlmServer = VllmServer | TgiServer | OllamaServer | MultiNodeVllmServer;

/**
 * The model servers (vLLM, TGI, Ollama in dev) and embedding servers (TEI) of an environment, each sized by its
 * resolved plan: `<env>-models`.
 */
export class ModelsStack extends EnvironmentStack {
  /** The namespace (created by the namespaces stack). */
  readonly namespace: string = NAMESPACES.models;
  readonly servers: Readonly<Record<string, LlmServer>>;
  readonly embeddings: Readonly<Record<string, TeiEmbeddingServer>>;

  constructor(scope: Construct, resolved: ResolvedEnvironment) {
    super(scope, resolved, 'models');

    const hfToken = (secret: { name: string; key: string } | undefined, reader: string) => {
      if (secret) this.usesSecret({ namespace: this.namespace, name: secret.name, keys: { [secret.key]: FILL.placeholder('Hugging Face token') }, reader });
    };
    const servers: Record<string, LlmServer> = {};
    for (const r of resolved.models) {
      const m = r.spec;
      hfToken(m.hfTokenSecret, `model ${m.name}`);
      const pool = resolved.pools.find((p) => p.name === m.pool);
      if (!pool) throw new Error(`models "${m.name}": pool "${m.pool}" is not resolved`);
      const props = llmProps(r, poolRef(pool), this.namespace, resolved.startupRates);
      // vLLM's own spans join the gateway's in a team's collector (one vLLM per pod: not the multi-node groups)
      const tracing = resolved.env.observability.tracing;
      const otlpTraces = tracing?.type === 'otel' && tracing.modelServers && m.engine === 'vllm' && !r.multiNode ? { endpoint: tracing.endpoint, protocol: tracing.protocol } : undefined;
      const id = `model-${m.name}`;
      servers[m.name] =
        m.engine === 'tgi'
          ? new TgiServer(this, id, props)
          : m.engine === 'ollama'
            ? new OllamaServer(this, id, { ...props, ollamaTag: ollamaTagOf(r) })
            : r.multiNode
              ? new MultiNodeVllmServer(this, id, { ...props, pipelineParallel: m.pipelineParallel, loading: m.loading })
              : new VllmServer(this, id, { ...props, pipelineParallel: m.pipelineParallel, loading: m.loading, ...(otlpTraces ? { otlpTraces } : {}) });
      if (m.autoscaling) {
        new ModelAutoscaler(this, `autoscaler-${m.name}`, {
          model: m.name,
          namespace: this.namespace,
          target: r.multiNode
            ? { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: multiNodeGroupName(m.name) }
            : { apiVersion: 'apps/v1', kind: 'StatefulSet', name: m.name },
          min: m.autoscaling.min,
          max: m.autoscaling.max,
          targetQueueDepth: m.autoscaling.targetQueueDepth,
          targetKvCacheUsage: m.autoscaling.targetKvCacheUsage,
          prometheus: PROMETHEUS_URL,
          // From zero there is no server to report a queue: requests reaching the gateway wake it.
          wakeOnGatewayRequests: m.autoscaling.min === 0,
          // The scale-down window covers the startup budget (up to the HPA's 3600 s; longer is warned about) and the
          // cooldown to zero exceeds it: a dip shorter than a start does not take a replica.
          startupBudgetSeconds: props.startupTimeoutSeconds ?? r.startup.probeBudgetSeconds,
        });
      }
    }
    this.servers = servers;

    const embeddings: Record<string, TeiEmbeddingServer> = {};
    for (const r of resolved.embeddings) {
      const e = r.spec;
      hfToken(e.hfTokenSecret, `embedding ${e.name}`);
      embeddings[e.name] = new TeiEmbeddingServer(this, `embedding-${e.name}`, {
        name: e.name,
        namespace: this.namespace,
        model: e.model,
        revision: e.revision,
        pool: r.pool,
        gpuResource: r.gpuResource,
        computeCapability: r.computeCapability,
        replicas: e.replicas,
        parameters: r.parameters,
        image: e.image,
        cache: e.cache,
        hfTokenSecret: e.hfTokenSecret,
        spreadRequired: resolved.stageValues.spreadEmbeddings,
      });
    }
    this.embeddings = embeddings;

    // Only the gateway reaches the servers (edge -> gateway -> model servers).
    const isolation = new NamespaceIsolation(this, 'isolation', { namespace: this.namespace });
    isolation.allow('gateway', {
      from: [{ namespace: NAMESPACES.gateway, podLabels: { ...GATEWAY_POD_LABELS } }],
      ports: [...new Set([...Object.values(servers).map((s) => s.port), ...Object.values(embeddings).map((e) => e.port)])].sort((a, b) => a - b),
    });
    isolation.allow('monitoring', { from: [{ namespace: NAMESPACES.monitoring }], ports: [PORTS.modelMetrics] });
    if (resolved.models.some((m) => m.multiNode)) {
      // The pods of a multi-node group talk to each other: rendezvous, then NCCL on ports it picks.
      isolation.allow('serving-groups', { to: { 'inference-stack.io/engine': 'vllm' }, from: [{ sameNamespace: true }], ports: [] });
    }
  }
}

function ollamaTagOf(r: ResolvedModel): string {
  const tag = MODELS[r.spec.model]?.ollamaTag;
  if (!tag) throw new Error(`models "${r.spec.name}": ${r.spec.model} has no Ollama tag in the catalogue`);
  return tag;
}

/** A resolved pool as the servers' pool reference. */
function poolRef(p: ResolvedPool): GpuPoolRef {
  return { name: p.name, gpu: p.gpu, gpusPerNode: p.spec.gpusPerNode, sharing: p.spec.sharing, nodes: p.spec.nodes };
}

/** A resolved model as server props: every value given, as the environment's plan decided it. */
function llmProps(r: ResolvedModel, pool: GpuPoolRef, namespace: string, startupRates: ResolvedEnvironment['startupRates']): HubModelServerProps {
  const m = r.spec;
  return {
    name: m.name,
    namespace,
    model: m.model,
    architecture: m.architecture,
    revision: m.revision,
    pool,
    gpuResource: r.gpuResource,
    tensorParallel: m.tensorParallel,
    quantization: r.quantization,
    prequantized: r.prequantized,
    kvCacheDtype: m.kvCacheDtype,
    maxModelLen: r.maxModelLen,
    gpuMemoryUtilization: r.gpuMemoryUtilization,
    replicas: r.replicas,
    autoscaled: m.autoscaling !== undefined,
    maxReplicas: r.maxReplicas,
    image: m.image,
    extraArgs: m.extraArgs,
    cache: m.cache,
    hfTokenSecret: m.hfTokenSecret,
    trustRemoteCode: m.trustRemoteCode,
    load: { downloadBytes: r.downloadBytes, weightBytesPerGpu: r.plan.weightBytesPerGpu, gpus: r.plan.gpusPerReplica },
    startupTimeoutSeconds: m.startupTimeoutSeconds,
    startupRates,
  };
}
