/**
 * The construct library's prop checks (aws-cdk's style): one ConstructPropsError whose message names the
 * construct path and kind, the prop, the value and the fix. One test per rule; numbers come from the planner.
 */
import { describe, expect, it } from 'vitest';
import { GPUS, poolDevice } from '../../catalog/gpus';
import { MODELS } from '../../catalog/models';
import { plan } from '../../catalog/planner';
import type { GpuPoolRef, VllmServerProps } from '../../constructs/llm-server-props';
import { MultiNodeVllmServer } from '../../constructs/multi-node-vllm-server';
import { OllamaServer } from '../../constructs/ollama-server';
import { ConstructPropsError } from '../../constructs/props-error';
import { TgiServer } from '../../constructs/tgi-server';
import { VllmServer } from '../../constructs/vllm-server';
import type { Construct } from '../../lib/cdktf';
import { synthConstruct } from '../support/scope';

const L4: GpuPoolRef = { name: 'l4', gpu: 'l4-24gb', gpusPerNode: 2 };
const H100: GpuPoolRef = { name: 'h100', gpu: 'h100-80gb', gpusPerNode: 8 };
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
const LLAMA_70B = 'meta-llama/Llama-3.1-70B-Instruct';

/** The error a construct throws (fails the test when it throws none, or another kind). */
function errorOf(build: (scope: Construct) => void): ConstructPropsError {
  try {
    synthConstruct(build);
  } catch (e) {
    expect(e).toBeInstanceOf(ConstructPropsError);
    return e as ConstructPropsError;
  }
  throw new Error('expected a ConstructPropsError, none was thrown');
}
const vllm = (props: VllmServerProps) => errorOf((s) => new VllmServer(s, 'llama', props));

/** Llama 3.1 8B (bf16) on one L4 at the defaults: the planner's figures the messages quote. */
function l4Plan(maxModelLen: number) {
  const gpu = GPUS['l4-24gb']!;
  const device = poolDevice(gpu, { mode: 'none' })!;
  return plan({ arch: MODELS[LLAMA_8B]!, gpuMemoryBytes: device.memoryBytes, tensorParallel: 1, pipelineParallel: 1, quantization: 'none', kvCacheDtype: 'auto', maxModelLen, gpuMemoryUtilization: 0.9, largeBatchDefaults: device.largeBatchDefaults });
}

describe('ConstructPropsError', () => {
  it('names the construct path and kind, and the prop, as fields and in the message', () => {
    const e = vllm({ model: LLAMA_8B, pool: H100, tensorParallel: 3 });
    expect(e.constructPath).toBe('stack/llama');
    expect(e.constructKind).toBe('VllmServer');
    expect(e.prop).toBe('tensorParallel');
    expect(e.message).toBe("stack/llama (VllmServer): props.tensorParallel: 3 does not divide the model's 32 attention heads; use 1, 2, 4 or 8");
  });

  it('tensorParallel above the GPUs per node of the pool (single-node server): the allowed values and the multi-node server', () => {
    expect(vllm({ model: LLAMA_8B, pool: L4, tensorParallel: 4 }).message).toBe(
      'stack/llama (VllmServer): props.tensorParallel: 4 exceeds the 2 GPUs per node of pool "l4"; a pod stays on one node: use 1 or 2, or MultiNodeVllmServer to span nodes',
    );
    // a plain reference without gpusPerNode counts one GPU per node, and says so
    expect(vllm({ model: LLAMA_8B, pool: { name: 'l4', gpu: 'l4-24gb' }, tensorParallel: 2 }).message).toMatch(/props\.tensorParallel: 2 exceeds the 1 GPU per node of pool "l4".*\(or set pool\.gpusPerNode\)$/);
  });

  it('a model that fits the pool at no tensor parallel it allows: the largest it allows, and what would fit', () => {
    const e = vllm({ model: LLAMA_70B, pool: L4 });
    expect(e.prop).toBe('pool');
    expect(e.message).toContain('props.pool: "l4": meta-llama/Llama-3.1-70B-Instruct (none) does not fit l4-24gb at tensorParallel 2, the largest pool "l4" (2 GPUs per node) allows');
    // 70.55e9 parameters x 2 bytes over 2 GPUs
    expect(e.message).toContain(`${((MODELS[LLAMA_70B]!.parameters * 2) / 2 / 1024 ** 3).toFixed(1)} GiB of weights per GPU`);
    expect(e.message).toMatch(/it fits at tensorParallel 8: use a pool with 8 GPUs per node, quantization fp8\/awq, or MultiNodeVllmServer$/);
  });

  it('tensorParallel given, but the weights do not fit at it: the smallest that fits', () => {
    const e = vllm({ model: LLAMA_70B, pool: H100, tensorParallel: 1 });
    expect(e.prop).toBe('tensorParallel');
    // 131.4 GiB / 2 = 65.7 GiB per GPU, under the 67.2 GiB an H100 leaves at 0.9 with TP 2 after vLLM's V2 overhead
    // (2.25 GiB of all-reduce buffers over NVLink + 1.1 + 0.49 + 0.25 = 4.1 GiB); at TP 1, 69.2 GiB (2.1 GiB of overhead)
    expect(e.message).toMatch(/^stack\/llama \(VllmServer\): props\.tensorParallel: 1: meta-llama\/Llama-3\.1-70B-Instruct \(none\) needs 131\.4 GiB of weights per GPU .* more than 69\.2 GiB usable per GPU .*; use tensorParallel 2$/);
  });

  it('gpuMemoryUtilization that leaves a mixture of experts no room for its sampler warm-up after the KV cache', () => {
    // gpt-oss-20b on an H100 at 0.98: 79.18 x 0.02 - 0.5 GiB of CUDA context = 1.1 GiB < 1024 x 201,088 x 9 B = 1.7 GiB
    const e = vllm({ model: 'openai/gpt-oss-20b', pool: H100, gpuMemoryUtilization: 0.98, maxModelLen: 8192 });
    expect(e.prop).toBe('gpuMemoryUtilization');
    expect(e.message).toMatch(/props\.gpuMemoryUtilization: 0\.98 leaves 1\.1 GiB per GPU outside the budget after the CUDA context; vLLM warms its sampler up there .*: use gpuMemoryUtilization 0\.97 or less, or fewer --max-num-seqs in extraArgs$/);
    expect(() => synthConstruct((s) => new VllmServer(s, 'gpt', { model: 'openai/gpt-oss-20b', pool: H100, gpuMemoryUtilization: 0.95, maxModelLen: 8192 }))).not.toThrow();

    // on an H100 shared two ways the prop is a share of the whole GPU: 0.475 is planned as 0.95 of the half, and the
    // suggestion comes back in the prop's terms (0.97 of the half = 0.48 of the GPU... rounded down: 0.47 or less)
    const shared: GpuPoolRef = { name: 'h100-shared', gpu: 'h100-80gb', gpusPerNode: 8, sharing: { mode: 'time-slicing', replicas: 2 } };
    const t = vllm({ model: 'openai/gpt-oss-20b', pool: shared, gpuMemoryUtilization: 0.475, maxModelLen: 8192 });
    expect(t.prop).toBe('gpuMemoryUtilization');
    expect(t.message).toMatch(/props\.gpuMemoryUtilization: 0\.475 leaves .*: use gpuMemoryUtilization 0\.4[0-7] or less/);
  });

  it('maxModelLen above what fits: the most that fits, rounded down', () => {
    const p = l4Plan(131072);
    const e = vllm({ model: LLAMA_8B, pool: L4, tensorParallel: 1, maxModelLen: 131072 });
    expect(e.prop).toBe('maxModelLen');
    expect(e.message).toContain(`props.maxModelLen: 131072 tokens need 16.0 GiB of KV cache per GPU`);
    expect(e.message).toContain(`the most that fits is ${p.largestMaxModelLen} tokens: use maxModelLen ${Math.floor(p.largestMaxModelLen / 1024) * 1024} or less, kvCacheDtype fp8, or more tensorParallel`);
  });

  it("maxModelLen above the model's limit", () => {
    expect(vllm({ model: LLAMA_8B, pool: L4, maxModelLen: 200000 }).message).toBe(
      'stack/llama (VllmServer): props.maxModelLen: 200000 is outside what meta-llama/Llama-3.1-8B-Instruct serves; use a whole number from 256 to its limit of 131072 tokens',
    );
  });

  it('pipelineParallel on TGI, from a caller that passes vLLM props', () => {
    const props: VllmServerProps = { model: LLAMA_8B, pool: L4, pipelineParallel: 2 };
    const e = errorOf((s) => new TgiServer(s, 'llama', props));
    expect(e.message).toBe('stack/llama (TgiServer): props.pipelineParallel: 2, but TGI has no pipeline parallel; use tensorParallel (up to 2 GPUs of one node) instead, or VllmServer');
  });

  it('a name that is not a DNS label: a name that is', () => {
    expect(vllm({ model: LLAMA_8B, pool: L4, name: 'Llama_8B' }).message).toBe(
      "stack/llama (VllmServer): props.name: \"Llama_8B\" is not a DNS label of at most 63 characters (lowercase letters, digits and '-', starting and ending with a letter or digit); use \"llama-8b\"",
    );
    // a multi-node server's group adds '-group': its name is shorter
    const e = errorOf((s) => new MultiNodeVllmServer(s, 'llama', { model: LLAMA_70B, pool: { ...L4, gpusPerNode: 8 }, name: 'x'.repeat(60) }));
    expect(e.message).toContain(`props.name: "${'x'.repeat(60)}" is not a DNS label of at most 57 characters`);
  });

  it('replicas that are not a count: a whole number, 0 allowed (a parked server, or an autoscaler that scales from zero)', () => {
    for (const replicas of [-1, 1.5]) {
      expect(vllm({ model: LLAMA_8B, pool: L4, replicas }).message).toBe(
        `stack/llama (VllmServer): props.replicas: ${replicas} is not a replica count; use a whole number: 1 or more to serve, 0 to keep the server defined without pods`,
      );
    }
    expect(vllm({ model: LLAMA_8B, pool: L4, replicas: 2, maxReplicas: 1 }).message).toBe('stack/llama (VllmServer): props.maxReplicas: 1 is below replicas (2); use a whole number of 2 or more');
    // environment files accept 0 outside prod, and the stacks map them onto these constructs
    expect(() => synthConstruct((s) => new VllmServer(s, 'llama', { model: LLAMA_8B, pool: L4, replicas: 0 }))).not.toThrow();
  });

  it('an Ollama tag that is not a library name (it goes into a shell command), or none for the model', () => {
    expect(errorOf((s) => new OllamaServer(s, 'o', { model: LLAMA_8B, pool: L4, ollamaTag: 'x; rm -rf /' })).message).toMatch(
      /^stack\/o \(OllamaServer\): props\.ollamaTag: "x; rm -rf \/" is not a model name of Ollama's library .*; use e\.g\. "llama3\.1:8b-instruct-q4_K_M"$/,
    );
    expect(errorOf((s) => new OllamaServer(s, 'o', { model: 'Qwen/Qwen2.5-14B-Instruct', pool: L4 })).message).toMatch(
      /^stack\/o \(OllamaServer\): props\.ollamaTag: missing: Qwen\/Qwen2\.5-14B-Instruct has no Ollama tag in the model catalogue; pass the model's name in Ollama's library/,
    );
  });

  it('a model outside the catalogue without architecture, and a GPU outside the catalogue', () => {
    expect(vllm({ model: 'acme/tiny', pool: L4 }).message).toMatch(/^stack\/llama \(VllmServer\): props\.model: "acme\/tiny" is not in the model catalogue; pass architecture \(layers, .*\) from its config\.json, or use one of: meta-llama\/Llama-3\.1-8B-Instruct, /);
    expect(vllm({ model: LLAMA_8B, pool: { name: 'x', gpu: 'l5' } }).message).toMatch(/^stack\/llama \(VllmServer\): props\.pool\.gpu: "l5" is not in the GPU catalogue; use one of: h100-80gb, /);
  });

  it('a shared GPU (time-slicing) serves one per pod', () => {
    const pool: GpuPoolRef = { name: 'shared', gpu: 'h100-80gb', gpusPerNode: 8, sharing: { mode: 'time-slicing', replicas: 2 } };
    expect(vllm({ model: LLAMA_8B, pool, tensorParallel: 2 }).message).toContain('props.tensorParallel: 2 GPUs per pod on pool "shared" (16 GPU shares, one usable per pod, per node), whose GPUs are shared (MIG or time-slicing); use 1, or a pool of whole GPUs');
  });
});

describe('the shared model cache (issue 17)', () => {
  const REVISION = '0e9e39f249a16976918f6564b8830bc894c89659';
  it('a shared cache without a ReadWriteMany claim names the prop and both ways to give one', () => {
    const e = vllm({ model: LLAMA_8B, pool: H100, revision: REVISION, cache: { mode: 'shared' } });
    expect(e.prop).toBe('cache.storageClass');
    expect(e.message).toMatch(/\(VllmServer\): props\.cache\.storageClass: missing: a shared cache needs a ReadWriteMany claim; pass cache\.existingClaim, or cache\.storageClass/);
  });
  it('a shared cache without a revision asks for the commit SHA', () => {
    const e = vllm({ model: LLAMA_8B, pool: H100, cache: { mode: 'shared', storageClass: 'nfs-rwx' } });
    expect(e.message).toMatch(/\(VllmServer\): props\.revision: missing: a shared cache is filled once per pinned revision; pass the model repo's commit SHA/);
  });
  it('TGI has no shared cache, and says which mode to use', () => {
    const e = errorOf((s) => new TgiServer(s, 'tgi', { model: LLAMA_8B, pool: H100, revision: REVISION, cache: { mode: 'shared', storageClass: 'nfs-rwx' } }));
    expect(e.message).toMatch(/\(TgiServer\): props\.cache\.mode: "shared" is filled for vLLM only .*; use mode "per-replica"/);
  });
  it('a multi-node group names its own kind', () => {
    const e = errorOf((s) => new MultiNodeVllmServer(s, 'big', { model: LLAMA_70B, pool: L4, revision: REVISION, cache: { mode: 'shared' } }));
    expect(e.message).toMatch(/\(MultiNodeVllmServer\): props\.cache\.storageClass: missing/);
  });
});
