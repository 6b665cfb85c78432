/**
 * examples/own-app: a team's cdktf app that imports VllmServer, GpuNodePool and LiteLlmGateway from the package
 * entry (`inference-stack`, resolved to constructs/index.ts here) and synthesizes its own stack. The server is
 * given the model and the pool only; the planner's choices must reach the engine's arguments.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { gpuSpec, poolDevice } from '../../catalog/gpus';
import { MODELS } from '../../catalog/models';
import { planServing } from '../../catalog/planner';
import { POOL_LABEL } from '../../constructs/gpu-node-pool';
import { ownApp } from '../../examples/own-app/main';
import { tempDir } from '../support/env';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const flag = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

it('synthesizes the example app: the pool labels its node, vLLM runs on the pool as planned, the gateway routes to it', () => {
  const out = tempDir();
  ownApp(out).synth();
  const tf = JSON.parse(readFileSync(join(out, 'stacks', 'own-app', 'cdk.tf.json'), 'utf8')) as { provider?: Record<string, unknown>; resource: Record<string, Record<string, any>> };
  expect(Object.keys(tf.provider ?? {}).sort()).toEqual(['helm', 'kubernetes']);
  const labels = Object.values(tf.resource.kubernetes_labels!);
  expect(labels.map((l) => l.metadata.name)).toEqual(['gpu-node-1']);
  const [sts] = Object.values(tf.resource.kubernetes_stateful_set_v1!);
  expect(sts.metadata).toMatchObject({ name: 'llama-8b', namespace: 'models' });
  expect(sts.spec.template.spec.node_selector).toEqual({ [POOL_LABEL]: 'l4' });

  // What the planner chose for Llama 3.1 8B on the example's L4 pool (2 per node): tensor parallel 1 (the
  // smallest at which the weights and 8192 tokens fit), and the longest context that fits there, to 1024 tokens.
  const device = poolDevice(gpuSpec('l4-24gb'), { mode: 'none' })!;
  const at = (tensorParallel: number, maxModelLen: number) => planServing({ model: MODEL, tensorParallel, pipelineParallel: 1, kvCacheDtype: 'auto', maxModelLen, gpuMemoryUtilization: 0.9 }, MODELS[MODEL]!, device);
  expect(at(1, 8192).fullLengthSequences).toBeGreaterThanOrEqual(1);
  const maxModelLen = Math.floor(at(1, MODELS[MODEL]!.maxPositionEmbeddings).largestMaxModelLen / 1024) * 1024;
  const args = sts.spec.template.spec.container[0].args as string[];
  expect(flag(args, '--tensor-parallel-size')).toBe('1');
  expect(flag(args, '--max-model-len')).toBe(String(maxModelLen));
  expect(maxModelLen).toBeLessThan(MODELS[MODEL]!.maxPositionEmbeddings);
  expect(flag(args, '--gpu-memory-utilization')).toBe('0.9');

  const [release] = Object.values(tf.resource.helm_release!);
  expect(release).toMatchObject({ name: 'litellm', namespace: 'gateway' });
  expect((release.values as string[]).join('\n')).toContain('http://llama-8b.models.svc.cluster.local:8000/v1');
  expect(release.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_stateful_set_v1\./)]));
});
