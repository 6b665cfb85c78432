/** Props of a model server as the models stack would give them (every value given), for tests that build one construct alone. */
import type { GpuPoolRef, LlmServerSettings, VllmServerProps } from '../../constructs/llm-server-props';
import type { Resources } from './scope';

export const GB = 1e9;

/** An L4 pool of 8 GPUs per node and two nodes, as a plain reference. */
export const L4_POOL: GpuPoolRef = { name: 'l4', gpu: 'l4-24gb', gpusPerNode: 8, nodes: ['gpu-1', 'gpu-2'] };

/** What the props and the settings of the test server share (every value given, as the models stack gives them). */
const SERVER = {
  name: 'llama-8b',
  namespace: 'models',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  revision: '0e9e39f249a16976918f6564b8830bc894c89659',
  tensorParallel: 1,
  pipelineParallel: 1,
  quantization: 'none',
  prequantized: false,
  kvCacheDtype: 'auto',
  maxModelLen: 8192,
  gpuMemoryUtilization: 0.9,
  replicas: 1,
  load: { downloadBytes: 16 * GB, weightBytesPerGpu: 16 * GB, gpus: 1 },
} as const;

export function llmProps(over: Partial<VllmServerProps> = {}): VllmServerProps {
  return { ...SERVER, pool: L4_POOL, ...over };
}

/** The same server's settings (what the constructor fills in), for the argument builders. */
export function llmSettings(over: Partial<LlmServerSettings> = {}): LlmServerSettings {
  return { ...SERVER, pool: L4_POOL.name, ...over };
}

/** The single StatefulSet of a synthesized server, in the provider's JSON (snake_case, lists for blocks). */
export function statefulSetOf(resources: Resources): Record<string, any> {
  const all = Object.values(resources.kubernetes_stateful_set_v1 ?? {});
  if (all.length !== 1) throw new Error(`expected one StatefulSet, found ${all.length}`);
  return all[0]!;
}
