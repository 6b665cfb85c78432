import type { Construct } from '../lib/cdktf';
import type { ResolvedEnvironment } from '../environments/resolve';
import { terraformLiteralDeep } from '../lib/terraform-literal';
import { GpuPoolsStack } from './gpu-pools-stack';
import { EdgeStack } from './edge-stack';
import { GatewayStack } from './gateway-stack';
import { ModelsStack } from './models-stack';
import { NamespacesStack } from './namespaces-stack';
import { ObservabilityStack } from './observability-stack';
import { RagStack } from './rag-stack';
import { PlatformStack } from './platform-stack';
import type { EnvironmentStack } from './private/environment-stack';
import { SecretRegistry, type RequiredSecret } from './secrets';

export interface EnvironmentStacks {
  /** Every namespace: applied first, so that Secrets can be made in them before anything reads them. */
  readonly namespaces: NamespacesStack;
  readonly platform: PlatformStack;
  readonly gpuPools: GpuPoolsStack;
  readonly models: ModelsStack;
  readonly gateway: GatewayStack;
  /** Absent when the environment declares no edge. */
  readonly edge?: EdgeStack;
  /** Absent when the environment declares no vector store. */
  readonly rag?: RagStack;
  readonly observability: ObservabilityStack;
  /** Every Secret the stacks name: user-made ones (required before the deploy) and those operators write. */
  readonly secrets: readonly RequiredSecret[];
  /** Every stack, in deploy order. */
  readonly all: readonly EnvironmentStack[];
}

/**
 * All stacks of one environment, with the dependencies that make `cdktf deploy '<env>-*'` apply them in order:
 * the namespaces first (the user's Secrets go in them next: `inference-stack secrets`), then the platform (operators
 * and their CRDs), then what uses it. Every stack depends on the namespaces stack: it puts its resources there.
 *
 * The stacks map the resolved environment (environments/resolve.ts: defaults, plans and stage values decided).
 * This is the one way from an environment to Terraform: every string of the environment is escaped here, once, so
 * that Terraform takes it literally (lib/terraform-literal.ts), and the resolved entries point at the
 * escaped ones (what resolving derived is numbers and names the schema restricts to DNS labels). `backend` and
 * `kubernetes` are written (also) where Terraform reads strings verbatim; the schema refuses `${` and `%{` in them.
 */
export function addEnvironmentStacks(scope: Construct, raw: ResolvedEnvironment): EnvironmentStacks {
  const env = terraformLiteralDeep(raw.env, ['backend', 'kubernetes']);
  const store = env.vectorStore;
  const resolved: ResolvedEnvironment = {
    ...raw,
    env,
    pools: raw.pools.map((p, i) => ({ ...p, spec: env.gpuPools[i] ?? p.spec })),
    models: raw.models.map((m, i) => ({ ...m, spec: env.models[i] ?? m.spec })),
    embeddings: raw.embeddings.map((e, i) => ({ ...e, spec: env.embeddings[i] ?? e.spec })),
    collections: raw.collections.map((c, i) => ({ ...c, spec: store?.collections[i] ?? c.spec })),
  };
  const namespaces = new NamespacesStack(scope, resolved);
  const platform = new PlatformStack(scope, resolved);
  const gpuPools = new GpuPoolsStack(scope, resolved);
  gpuPools.addDependency(platform);
  const models = new ModelsStack(scope, resolved);
  models.addDependency(gpuPools);
  const gateway = new GatewayStack(scope, resolved);
  gateway.addDependency(models);
  const edge = env.edge ? new EdgeStack(scope, resolved) : undefined;
  edge?.addDependency(gateway);
  const rag = store ? new RagStack(scope, resolved) : undefined;
  rag?.addDependency(models);
  // Last: its scrape targets and rules refer to everything the others deploy.
  const observability = new ObservabilityStack(scope, resolved);
  for (const s of [gateway, edge, rag]) if (s) observability.addDependency(s);
  for (const s of [platform, gpuPools, models, gateway, edge, rag, observability]) s?.addDependency(namespaces);
  const all = [namespaces, platform, gpuPools, models, ...(rag ? [rag] : []), gateway, ...(edge ? [edge] : []), observability];
  return { secrets: SecretRegistry.of(scope, env.name).list(), namespaces, platform, gpuPools, models, gateway, edge, rag, observability, all };
}
