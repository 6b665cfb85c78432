import type { Construct } from '../lib/cdktf';
import type { Environment } from '../environments/schema';
import { terraformLiteralDeep } from '../lib/terraform-literal';
import { GpuPoolsStack } from './gpu-pools-stack';
import { EdgeStack } from './edge-stack';
import { gatewayAddress } from '../constructs/litellm-gateway';
import { GATEWAY_NAMESPACE, GatewayStack } from './gateway-stack';
import { ModelsStack } from './models-stack';
import { NamespacesStack } from './namespaces-stack';
import { ObservabilityStack } from './observability-stack';
import { RagStack } from './rag-stack';
import { embeddingDimension } from '../catalog/models';
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
 * This is the one way from an environment to Terraform: every string of `rawEnv` is escaped here, once, so that
 * Terraform takes it literally (lib/terraform-literal.ts). `backend` and `kubernetes` are written
 * (also) where Terraform reads strings verbatim; the schema refuses `${` and `%{` in them instead.
 */
export function addEnvironmentStacks(scope: Construct, rawEnv: Environment): EnvironmentStacks {
  const env = terraformLiteralDeep(rawEnv, ['backend', 'kubernetes']);
  const namespaces = new NamespacesStack(scope, env);
  const platform = new PlatformStack(scope, env);
  const gpuPools = new GpuPoolsStack(scope, env);
  gpuPools.addDependency(platform);
  const models = new ModelsStack(scope, env);
  models.addDependency(gpuPools);
  const gateway = new GatewayStack(scope, env);
  gateway.addDependency(models);
  const edge = env.edge ? new EdgeStack(scope, env, env.edge, gatewayAddress(GATEWAY_NAMESPACE)) : undefined;
  edge?.addDependency(gateway);
  const store = env.vectorStore;
  const rag = store
    ? new RagStack(scope, env, store, (name) => embeddingDimension(env.embeddings.find((e) => e.name === name)!)!)
    : undefined;
  rag?.addDependency(models);
  // Last: its scrape targets and rules refer to everything the others deploy.
  const observability = new ObservabilityStack(scope, env);
  for (const s of [gateway, edge, rag]) if (s) observability.addDependency(s);
  for (const s of [platform, gpuPools, models, gateway, edge, rag, observability]) s?.addDependency(namespaces);
  const all = [namespaces, platform, gpuPools, models, ...(rag ? [rag] : []), gateway, ...(edge ? [edge] : []), observability];
  return { secrets: SecretRegistry.of(scope, env.name).list(), namespaces, platform, gpuPools, models, gateway, edge, rag, observability, all };
}
