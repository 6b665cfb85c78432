/**
 * examples/own-app: a team's cdktf app that imports VllmServer, GpuNodePool and LiteLlmGateway from the package
 * entry (`inference-stack`, resolved to constructs/index.ts here) and synthesizes its own stack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { POOL_LABEL } from '../../constructs/gpu-node-pool';
import { ownApp } from '../../examples/own-app/main';
import { tempDir } from '../support/env';

it('synthesizes the example app: the pool labels its node, vLLM runs on the pool, the gateway routes to it', () => {
  const out = tempDir();
  ownApp(out).synth();
  const tf = JSON.parse(readFileSync(join(out, 'stacks', 'own-app', 'cdk.tf.json'), 'utf8')) as { provider?: Record<string, unknown>; resource: Record<string, Record<string, any>> };
  expect(Object.keys(tf.provider ?? {}).sort()).toEqual(['helm', 'kubernetes']);
  const labels = Object.values(tf.resource.kubernetes_labels!);
  expect(labels.map((l) => l.metadata.name)).toEqual(['gpu-node-1']);
  const [sts] = Object.values(tf.resource.kubernetes_stateful_set_v1!);
  expect(sts.metadata).toMatchObject({ name: 'llama-8b', namespace: 'models' });
  expect(sts.spec.template.spec.node_selector).toEqual({ [POOL_LABEL]: 'l4' });
  const [release] = Object.values(tf.resource.helm_release!);
  expect(release).toMatchObject({ name: 'litellm', namespace: 'gateway' });
  expect((release.values as string[]).join('\n')).toContain('http://llama-8b.models.svc.cluster.local:8000/v1');
  expect(release.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_stateful_set_v1\./)]));
});
