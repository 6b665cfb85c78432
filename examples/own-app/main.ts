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
import { GpuNodePool, LiteLlmGateway, VLLM_PORT, VllmServer, gpuSpec } from 'inference-stack';

const GB = 1e9;

/** The app: one stack, `own-app`, written to `outdir`/stacks/own-app/cdk.tf.json by `app.synth()`. */
export function ownApp(outdir: string): App {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'own-app');
  new KubernetesProvider(stack, 'kubernetes', { configPath: '~/.kube/config' });
  new HelmProvider(stack, 'helm', { kubernetes: { configPath: '~/.kube/config' } });

  const pool = new GpuNodePool(stack, 'pool', { name: 'l4', gpu: gpuSpec('l4-24gb'), gpusPerNode: 1, nodes: ['gpu-node-1'] });
  const server = new VllmServer(stack, 'llama', {
    name: 'llama-8b',
    namespace: 'models',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    revision: '0e9e39f249a16976918f6564b8830bc894c89659',
    pool: pool.name,
    tensorParallel: 1,
    pipelineParallel: 1,
    quantization: 'fp8',
    prequantized: false,
    kvCacheDtype: 'auto',
    maxModelLen: 8192,
    gpuMemoryUtilization: 0.9,
    replicas: 1,
    hfTokenSecret: { name: 'hf-token', key: 'token' },
    load: { downloadBytes: 16 * GB, weightBytesPerGpu: 8.5 * GB, gpus: 1 },
  });
  new LiteLlmGateway(stack, 'gateway', {
    namespace: 'gateway',
    replicas: 1,
    masterKeySecret: { name: 'litellm-master', key: 'key' },
    database: { host: 'litellm-db-rw', name: 'litellm', secretName: 'litellm-db-app' },
    servers: [{ name: 'llama-8b', engine: 'vllm', url: `http://llama-8b.models.svc.cluster.local:${VLLM_PORT}` }],
    fallbacks: {},
    numRetries: 2,
    timeoutSeconds: 600,
    teams: [],
    dependsOn: [server.statefulSet],
  });
  return app;
}

if (require.main === module) ownApp(process.argv[2] ?? 'cdktf.out').synth();
