import { describe, expect, it } from 'vitest';
import { formatProblem, loadEnvironment } from '../../environments/load';
import { resolveEnvironment } from '../../environments/resolve';
import { problemsOf, writeEnvs } from '../support/env';

const SHA = 'a'.repeat(40);
const BASE = {
  name: 'checks',
  stage: 'staging',
  kubernetes: { context: 'x' },
  backend: { type: 'gcs', bucket: 'state', prefix: 'checks' },
  gpuPools: [
    { name: 'h100', gpu: 'h100-80gb', gpusPerNode: 8, nodes: ['h1', 'h2'] },
    { name: 'l4', gpu: 'l4-24gb', gpusPerNode: 4, nodes: ['l1'] },
    { name: 'a100', gpu: 'a100-80gb', gpusPerNode: 8, nodes: ['a1'] },
    { name: 't4', gpu: 't4-16gb', gpusPerNode: 1, nodes: ['t1'] },
    { name: 'mig', gpu: 'a100-80gb', gpusPerNode: 8, nodes: ['m1'], sharing: { mode: 'mig', profile: '3g.40gb' } },
    { name: 'shared', gpu: 'l40s-48gb', gpusPerNode: 2, nodes: ['s1'], sharing: { mode: 'time-slicing', replicas: 2 } },
  ],
};
const LLAMA_8B = { name: 'llama-8b', model: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA, pool: 'l4', maxModelLen: 16384 };

function problems(models: object[], extra: object = {}) {
  const { env } = writeEnvs({ env: { ...BASE, models, ...extra } });
  return problemsOf(env!).map(formatProblem);
}

describe('model checks accept what fits', () => {
  it('loads a model that fits, with defaults from the catalogue', () => {
    const { env } = writeEnvs({ env: { ...BASE, models: [LLAMA_8B] } });
    const m = loadEnvironment(env!).env.models[0]!;
    expect(m).toMatchObject({ engine: 'vllm', tensorParallel: 1, pipelineParallel: 1, kvCacheDtype: 'auto', gpuMemoryUtilization: 0.9, replicas: 1 });
  });
});

describe('TGI and Pod Security', () => {
  it('accepts TGI with a derived image that runs as non-root, and vLLM for the same model', () => {
    const image = { repository: 'registry.example.com/ml/text-generation-inference-nonroot', tag: '3.3.7' };
    const { env } = writeEnvs({ env: { ...BASE, models: [{ ...LLAMA_8B, engine: 'tgi', image }, { ...LLAMA_8B, name: 'llama-vllm' }] } });
    expect(loadEnvironment(env!).env.models.map((m) => m.engine)).toEqual(['tgi', 'vllm']);
  });

  it('names the image the model really uses, whatever the stage', () => {
    const lines = problems([{ ...LLAMA_8B, engine: 'tgi' }], { stage: 'dev', backend: { type: 'local' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('text-generation-inference:3.3.7 cannot run as a non-root user');
  });
});

describe('model checks reject what cannot work, with the numbers', () => {
  const cases: Array<[string, object[], RegExp, object?]> = [
    ['tensorParallel above the GPUs per node', [{ ...LLAMA_8B, tensorParallel: 8 }],
      /models\[0\]\.tensorParallel: 8 exceeds the 4 GPUs per node of pool "l4"; tensor parallel stays inside a node: use 4 and spread over nodes with pipelineParallel$/],
    ['pipeline stages on more nodes than the pool has', [{ ...LLAMA_8B, model: 'meta-llama/Llama-3.1-70B-Instruct', pool: 'h100', tensorParallel: 8, pipelineParallel: 4 }],
      /models\[0\]\.pipelineParallel: 4 pipeline stages need 4 nodes, and pool "h100" has 2; add nodes or lower pipelineParallel$/],
    ['serving across nodes with TGI', [{ ...LLAMA_8B, engine: 'tgi', pool: 'l4', tensorParallel: 4, pipelineParallel: 2 }], /models\[0\]\.pipelineParallel: 2: TGI has no pipeline parallel/],
    ['autoscaling min above max', [{ ...LLAMA_8B, autoscaling: { min: 3, max: 2 } }], /models\[0\]\.autoscaling\.min: 3 is above max 2; use 2 or less$/],
    ['scale to zero outside dev', [{ ...LLAMA_8B, autoscaling: { min: 0, max: 2 } }], /models\[0\]\.autoscaling\.min: 0 scales llama-8b to zero, and the first request then waits minutes for a model load; staging keeps at least 1$/],
    ['autoscaling past the pool capacity', [{ ...LLAMA_8B, autoscaling: { min: 1, max: 6 } }], /gpuPools\[1\]\.nodes: pool "l4" has 4 GPUs and its servers ask for 6 \(llama-8b up to 6 x 1\); add nodes or lower replicas$/],
    ['tensorParallel not dividing the attention heads', [{ ...LLAMA_8B, model: 'Qwen/Qwen2.5-7B-Instruct', maxModelLen: 8192, tensorParallel: 3 }],
      /models\[0\]\.tensorParallel: 3 does not divide the 28 attention heads of Qwen\/Qwen2\.5-7B-Instruct; use a divisor of 28 \(1, 2, 4\)$/],
    ['weights that do not fit', [{ ...LLAMA_8B, model: 'meta-llama/Llama-3.1-70B-Instruct', pool: 'h100', maxModelLen: 8192 }],
      // H100 as vLLM sees it: 79.18 GiB x 0.9 = 71.3 GiB; overhead (V2 runner, a dense model) 0.25 + 1.1 + 1024 x 128,256 x 4 B
      // (0.49) + 0.25 = 2.1 GiB
      /models\[0\]\.tensorParallel: weights of meta-llama\/Llama-3\.1-70B-Instruct \(none\) need 131\.4 GiB per GPU at tensorParallel 1 x pipelineParallel 1, more than h100-80gb \(79\.2 GiB as vLLM sees it x 0\.9 = 71\.3 GiB, less 2\.1 GiB vLLM 0\.27\.1 overhead \(V2 runner\) = 69\.2 GiB per GPU\); raise tensorParallel, quantise/],
    ['a KV cache below one maxModelLen sequence, naming the largest that fits', [{ ...LLAMA_8B, maxModelLen: 131072 }],
      // L4, no vLLM log found: 24e9 x 0.98 = 23,520,000,000 B (21.9 GiB); x 0.9 = 21,168,000,000 B (19.7 GiB)
      // overhead (V2 runner) 268,435,456 + 1,181,116,006 + 256 x 128,256 x 4 (131,334,144) + 268,435,456 = 1,849,321,062 B
      // (1.7 GiB); usable 19,318,678,938 B (18.0 GiB); less 16,060,522,496 B of weights = 3,258,156,442 B (3.0 GiB)
      // = 24,857 tokens of 131,072 B; suggested: rounded down to 1024s = 24,576; likely: + the 0.25 GiB margin = 3.3 GiB
      /models\[0\]\.maxModelLen: 131072 tokens need 16\.0 GiB of KV cache per GPU, but only 3\.0 GiB is left after 15\.0 GiB of weights on l4-24gb \(21\.9 GiB as vLLM sees it x 0\.9 = 19\.7 GiB, less 1\.7 GiB vLLM 0\.27\.1 overhead \(V2 runner\) = 18\.0 GiB per GPU\); vLLM will likely report about 3\.3 GiB \("Available KV cache memory"\) and we plan with 3\.0 GiB: 24857 tokens, the largest maxModelLen that fits: use maxModelLen 24576 or less, kvCacheDtype fp8, or more tensorParallel$/],
    ['maxModelLen above the model limit', [{ ...LLAMA_8B, model: 'Qwen/Qwen2.5-7B-Instruct', maxModelLen: 65536, pool: 'h100' }],
      /models\[0\]\.maxModelLen: 65536 exceeds Qwen\/Qwen2\.5-7B-Instruct's limit of 32768 tokens; use 32768 or less$/],
    ['FP8 on a GPU older than compute capability 8.9', [{ ...LLAMA_8B, pool: 'a100', quantization: 'fp8' }],
      /models\[0\]\.quantization: "fp8" needs compute capability 8\.9 or newer and a100-80gb has 8\.0; use an AWQ\/GPTQ checkpoint or "none", or a newer GPU \(h100-80gb, h200-141gb, l40s-48gb/],
    ['AWQ on a model that is not an AWQ checkpoint', [{ ...LLAMA_8B, quantization: 'awq' }],
      /models\[0\]\.quantization: "awq" needs a pre-quantised awq-int4 checkpoint, and meta-llama\/Llama-3\.1-8B-Instruct is bf16; use a awq-int4 repo of the model/],
    ['a model outside the catalogue without an architecture block', [{ ...LLAMA_8B, model: 'acme/secret-model' }],
      /models\[0\]\.model: "acme\/secret-model" is not in the model catalogue; add an architecture: block/],
    ['an unknown pool', [{ ...LLAMA_8B, pool: 'h200' }], /models\[0\]\.pool: unknown pool "h200"; use one of: h100, l4, a100, t4, mig, shared$/],
    ['an unknown engine', [{ ...LLAMA_8B, engine: 'llamacpp' }], /models\[0\]\.engine: unknown engine "llamacpp"; use one of: vllm, tgi, ollama$/],
    ['Ollama outside dev', [{ ...LLAMA_8B, engine: 'ollama' }], /models\[0\]\.engine: "ollama" is for dev only/],
    ['a revision that is not a SHA outside dev', [{ ...LLAMA_8B, revision: 'main' }], /models\[0\]\.revision: "main": staging needs the model repo's commit SHA \(40 hex digits\)/],
    ['total GPUs above the pool capacity', [{ ...LLAMA_8B, replicas: 5 }],
      /gpuPools\[1\]\.nodes: pool "l4" has 4 GPUs and its servers ask for 5 \(llama-8b 5 x 1\); add nodes or lower replicas$/],
    ['tensor parallel across MIG slices', [{ ...LLAMA_8B, pool: 'mig', tensorParallel: 2 }], /models\[0\]\.tensorParallel: 2 x 1 GPUs on pool "mig", whose GPUs are shared/],
    ['duplicate model names', [LLAMA_8B, LLAMA_8B], /models\[1\]\.name: duplicate model name "llama-8b" \(also models\[0\], line \d+\); give each model of a file its own name$/],
    ['extraArgs that set a managed flag', [{ ...LLAMA_8B, extraArgs: ['--max-model-len=4096'] }], /models\[0\]\.extraArgs\[0\]: "--max-model-len=4096" is set by the toolkit from the model's field maxModelLen; remove it and set maxModelLen instead$/],
    ['a literal token in extraArgs', [{ ...LLAMA_8B, extraArgs: ['--hf-token', 'hf_abcdefghijklmnopqrstuvwx'] }], /models\[0\]\.extraArgs\[1\]: holds a literal secret \(a Hugging Face token, "hf_a…"\); reference a Secret instead \(hfTokenSecret\)$/],
    ['a literal token where a Secret reference is expected', [{ ...LLAMA_8B, hfTokenSecret: 'hf_abcdefghijklmnopqrstuvwx' }], /models\[0\]\.hfTokenSecret: expected object, got "hf_abcdefghijklmnopqrstuvwx"/],
    ['TGI with pipeline parallel', [{ ...LLAMA_8B, engine: 'tgi', pool: 'h100', pipelineParallel: 2 }], /models\[0\]\.pipelineParallel: 2: TGI has no pipeline parallel/],
    ['TGI with its pinned upstream image (cannot run as non-root; the models namespace is restricted)', [{ ...LLAMA_8B, engine: 'tgi' }],
      /^.*:\d+: models\[0\]\.engine: "tgi": the image ghcr\.io\/huggingface\/text-generation-inference:3\.3\.7 cannot run as a non-root user \(its Python lives under \/root, which other users cannot read: huggingface\/text-generation-inference#3082\), and the models namespace enforces Pod Security "restricted" \(runAsNonRoot\); use engine "vllm", or set image: to a TGI image rebuilt to run as non-root$/],
    ['TGI with another tag of the upstream image', [{ ...LLAMA_8B, engine: 'tgi', image: { repository: 'ghcr.io/huggingface/text-generation-inference', tag: '3.3.6' } }],
      /models\[0\]\.engine: "tgi": the image ghcr\.io\/huggingface\/text-generation-inference:3\.3\.6 cannot run as a non-root user/],
    ['TGI with an MXFP4 checkpoint', [{ ...LLAMA_8B, engine: 'tgi', model: 'openai/gpt-oss-20b', pool: 'h100' }], /models\[0\]\.engine: "tgi" 3\.3\.7 has no MXFP4 kernels/],
    ['replicas 0 in prod', [{ ...LLAMA_8B, replicas: 0 }], /models\[0\]\.replicas: 0 in prod serves nothing/, { stage: 'prod', backend: { type: 'gcs', bucket: 'state', prefix: 'p' } }],
    ['an unknown embedding model without dimension', [], /embeddings\[0\]\.model: "acme\/embed" is not in the embedding catalogue/, { embeddings: [{ name: 'e', model: 'acme/embed', revision: SHA, pool: 'cpu' }] }],
    ['an embedding server on a balanced MIG pool', [], /embeddings\[0\]\.pool: pool "balanced" mixes MIG profiles \(balanced\), so no one GPU resource names its slices; use a pool with one MIG profile or whole GPUs, or "cpu"$/,
      { embeddings: [{ name: 'e', model: 'BAAI/bge-large-en-v1.5', revision: SHA, pool: 'balanced' }], gpuPools: [...BASE.gpuPools, { name: 'balanced', gpu: 'a100-80gb', gpusPerNode: 8, nodes: ['b1'], sharing: { mode: 'mig', profile: 'balanced' } }] }],
    ['trustRemoteCode without a pinned revision, even in dev', [{ ...LLAMA_8B, revision: 'main', trustRemoteCode: true }], /models\[0\]\.revision: "main": trustRemoteCode runs the model repo's code, so pin the commit SHA/, { stage: 'dev', backend: { type: 'local' } }],
  ];

  it.each(cases)('fails on %s', (_what, models, expected, extra) => {
    const lines = problems(models, extra);
    expect(lines).toContainEqual(expect.stringMatching(expected));
  });

  it('fails on every model problem at once', () => {
    const lines = problems([{ ...LLAMA_8B, tensorParallel: 8 }, { ...LLAMA_8B, name: 'b', pool: 'nope' }]);
    expect(lines).toHaveLength(2);
  });
});

describe('the planner reads extraArgs and the architecture block', () => {
  // gpt-oss-20b (a mixture of experts: vLLM's V1 runner, whose memory profile warms the sampler up) on an L4:
  // budget 21,168,000,000; weights 13,760,000,000 x 1.09 = 14,998,400,000; overhead 268,435,456 + 256 x 201,088 x 16
  // (823,656,448) + CUDA graphs 1,073,741,824 + 268,435,456 = 2,434,269,184 -> KV 3,735,330,816 B = 75,995 tokens of 49,152 B
  const LONG = { ...LLAMA_8B, model: 'openai/gpt-oss-20b', maxModelLen: 81920 };

  it('refuses 81,920 tokens at the default max_num_seqs, and accepts them with --max-num-seqs 32', () => {
    expect(problems([LONG]).join('\n')).toMatch(/models\[0\]\.maxModelLen: 81920 tokens need .*\(V1 runner, max_num_seqs 256\).* 75995 tokens, the largest maxModelLen that fits/);
    // 32 sequences: the profile's peak is the forward pass, 2048 x 2880 x 40 B (235,929,600), and 32 of 256 CUDA graph
    // sizes (134,217,728): overhead 907,018,240 B, KV 5,262,581,760 B = 107,067 tokens
    const { env } = writeEnvs({ env: { ...BASE, models: [{ ...LONG, extraArgs: ['--max-num-seqs', '32'] }] } });
    const loaded = loadEnvironment(env!);
    expect(loaded.env.models[0]!.maxModelLen).toBe(81920);
    expect(resolveEnvironment(loaded.env).models[0]!.plan.kvCapacityTokens).toBe(107_067);
  });

  it('accepts vocabSize, hiddenSize and tiedEmbeddings in an architecture block', () => {
    const architecture = { layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 32768, parameters: 8.03e9, checkpoint: 'awq-int4', vocabSize: 128256, hiddenSize: 4096, tiedEmbeddings: false };
    const { env } = writeEnvs({ env: { ...BASE, models: [{ ...LLAMA_8B, model: 'acme/llama-8b-awq', architecture }] } });
    expect(loadEnvironment(env!).env.models[0]!.architecture).toMatchObject({ vocabSize: 128256, hiddenSize: 4096, tiedEmbeddings: false });
  });
});
