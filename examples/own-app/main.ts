/**
 * A team's own cdktf app built from the construct library: one GPU pool, a vLLM server on it, and the LiteLLM
 * gateway in front of it. Everything comes from the package entry (`inference-stack`), as it would in a repository
 * that installed the package; only cdktf and the Kubernetes/Helm providers are imported besides.
 *   npx tsc && node main.js [outdir]     (or: npx tsx main.ts [outdir])
 * In this repository, `inference-stack` resolves to constructs/index.ts (tsconfig.json "paths", vitest alias);
 * test/package/pack.test.ts compiles this same file against the packed and installed package.
 */
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { GpuNodePool, LiteLlmGateway, VllmServer, gpuSpec } from 'inference-stack';

/** The app: one stack, `own-app`, written to `outdir`/stacks/own-app/cdk.tf.json by `app.synth()`. */
export function ownApp(outdir: string): App {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'own-app');
  new KubernetesProvider(stack, 'kubernetes', { configPath: '~/.kube/config' });
  new HelmProvider(stack, 'helm', { kubernetes: { configPath: '~/.kube/config' } });

  const pool = new GpuNodePool(stack, 'pool', { name: 'l4', gpu: gpuSpec('l4-24gb'), gpusPerNode: 2, nodes: ['gpu-node-1'] });
  // The model and the pool; the capacity planner picks tensor parallel, context length, quantisation and sizes
  // (`server.settings` shows them). A prop that cannot work throws a ConstructPropsError naming it and the fix.
  const server = new VllmServer(stack, 'llama', {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    pool,
    name: 'llama-8b',
    revision: '0e9e39f249a16976918f6564b8830bc894c89659',
    hfTokenSecret: { name: 'hf-token', key: 'token' },
  });
  new LiteLlmGateway(stack, 'gateway', {
    namespace: 'gateway',
    replicas: 1,
    masterKeySecret: { name: 'litellm-master', key: 'key' },
    database: { host: 'litellm-db-rw', name: 'litellm', secretName: 'litellm-db-app' },
    servers: [server],
    fallbacks: {},
    numRetries: 2,
    timeoutSeconds: 600,
    teams: [],
    dependsOn: [server.statefulSet],
  });
  return app;
}

if (require.main === module) ownApp(process.argv[2] ?? 'cdktf.out').synth();
