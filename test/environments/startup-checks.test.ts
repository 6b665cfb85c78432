/** Issue 17: the shared cache and loader checks, the startupSlo warning, and start-up as a planned number on the presets. */
import { describe, expect, it } from 'vitest';
import { capacityReport, formatCapacity } from '../../bin/commands/capacity';
import { vllmArgs } from '../../constructs/vllm-server';
import { formatProblem, loadEnvironment } from '../../environments/load';
import { resolveEnvironment } from '../../environments/resolve';
import { problemsOf, writeEnvs } from '../support/env';
import { llmSettings } from '../support/servers';
import { PRESETS, presetEnv, resourcesOf, stacksOf, statefulSets } from '../support/synth';
import { readFacts } from '../support/upstream';
import { REPO } from '../support/paths';
import { join } from 'node:path';

const SHA = 'a'.repeat(40);
const BASE = {
  name: 'startup',
  stage: 'staging',
  kubernetes: { context: 'x' },
  backend: { type: 'gcs', bucket: 'state', prefix: 'startup' },
  gpuPools: [{ name: 'h100', gpu: 'h100-80gb', gpusPerNode: 8, nodes: ['h1', 'h2'] }],
};
const LLAMA_8B = { name: 'llama-8b', model: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA, pool: 'h100', maxModelLen: 16384 };
const problems = (models: object[], extra: object = {}) => problemsOf(writeEnvs({ env: { ...BASE, models, ...extra } }).env!).map(formatProblem).map((l) => l.replace(/^.*?\.yaml:\d+: /, ''));
const load = (models: object[], extra: object = {}) => loadEnvironment(writeEnvs({ env: { ...BASE, models, ...extra } }).env!);

describe('what cannot work is refused where it is written', () => {
  it('a created shared cache needs a storage class (whether the default class is ReadWriteMany is unknowable)', () => {
    expect(problems([{ ...LLAMA_8B, cache: { mode: 'shared' } }])).toEqual([expect.stringMatching(/^models\[0\]\.cache\.storageClass: missing: a shared cache is one ReadWriteMany claim/)]);
    expect(load([{ ...LLAMA_8B, cache: { mode: 'shared', existingClaim: 'models-cache' } }]).env.models[0]!.cache.mode).toBe('shared');
  });

  it('Ollama has no HF cache, TGI takes its hub cache by flag: shared is refused for both', () => {
    const dev = { stage: 'dev', backend: { type: 'local' } };
    expect(problems([{ ...LLAMA_8B, engine: 'ollama', cache: { mode: 'shared', storageClass: 'nfs' } }], dev)).toEqual([expect.stringMatching(/^models\[0\]\.cache\.mode: "shared" fills a Hugging Face cache, and Ollama pulls its own builds/)]);
    expect(problems([{ ...LLAMA_8B, engine: 'tgi', image: { repository: 'r.example.com/tgi-nonroot', tag: '3.3.7' }, cache: { mode: 'shared', storageClass: 'nfs' } }])).toEqual([expect.stringMatching(/^models\[0\]\.cache\.mode: "shared" is filled for vLLM/)]);
  });

  it('a shared cache in dev still needs a commit SHA: it is filled once per revision', () => {
    const dev = { stage: 'dev', backend: { type: 'local' } };
    expect(problems([{ ...LLAMA_8B, revision: 'main', cache: { mode: 'shared', storageClass: 'nfs' } }], dev)).toEqual([expect.stringMatching(/^models\[0\]\.revision: "main": a shared cache is filled once per revision/)]);
  });

  it('runai_streamer: vLLM only, safetensors only; concurrency only with it; the flags stay the field\'s', () => {
    expect(problems([{ ...LLAMA_8B, engine: 'tgi', image: { repository: 'r.example.com/tgi-nonroot', tag: '3.3.7' }, loading: { format: 'runai_streamer' } }])).toEqual([expect.stringMatching(/^models\[0\]\.loading\.format: "runai_streamer" is a vLLM load format/)]);
    const arch = { layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 32768, parameters: 8e9, weightFiles: 'pytorch' };
    expect(problems([{ ...LLAMA_8B, model: 'acme/old-8b', architecture: arch, loading: { format: 'runai_streamer', concurrency: 16 } }])).toEqual([expect.stringMatching(/^models\[0\]\.loading\.format: "runai_streamer" streams safetensors files, and acme\/old-8b has PyTorch weight files only/)]);
    expect(problems([{ ...LLAMA_8B, loading: { concurrency: 8 } }])).toEqual([expect.stringMatching(/^models\[0\]\.loading\.concurrency: 8: concurrency is the Run:ai streamer's setting and format is "auto"/)]);
    expect(problems([{ ...LLAMA_8B, extraArgs: ['--load-format', 'runai_streamer'] }])).toEqual([expect.stringMatching(/^models\[0\]\.extraArgs.*loading\.format/)]);
  });

  it('runai_streamer renders the flag and the extra-config key the pinned vLLM accepts, in an image that installs the streamer', () => {
    const facts = readFacts('flags/vllm-image-main-6adad087.json') as { runai_model_streamer: { installed_in_image: boolean; usage: { model_loader_extra_config_keys: string[] } }; load_format_choices: { main_6adad087: string[]; main_d35eb6c4: string[] } };
    const flags = readFacts('flags/vllm-main-6adad087.json') as object;
    const args = vllmArgs(llmSettings({ loading: { format: 'runai_streamer', concurrency: 16 } }));
    const at = args.indexOf('--load-format');
    expect(args.slice(at)).toEqual(['--load-format', 'runai_streamer', '--model-loader-extra-config', '{"concurrency":16}']);
    expect(facts.runai_model_streamer.installed_in_image).toBe(true);
    expect(facts.load_format_choices.main_6adad087).toContain('runai_streamer');
    expect(facts.load_format_choices.main_d35eb6c4).toContain('runai_streamer');
    const keys = facts.runai_model_streamer.usage.model_loader_extra_config_keys.map((k) => k.split(' ')[0]);
    expect(keys).toContain(Object.keys(JSON.parse(args[at + 3]!))[0]);
    expect(JSON.stringify(flags)).toContain('"--model-loader-extra-config"');
    expect(vllmArgs(llmSettings())).not.toContain('--load-format');
  });
});

describe('startupSlo', () => {
  it('warns (every stage: the cold start is an estimate) when the estimated cold start exceeds it, with the figures and the fix', () => {
    const env = load([{ ...LLAMA_8B, startupSlo: 120 }]);
    const slo = (e: typeof env) => e.warnings.filter((w) => w.path.endsWith('startupSlo')).map(formatProblem).map((l) => l.replace(/^.*?\.yaml:\d+: /, ''));
    expect(slo(env)).toEqual([
      expect.stringMatching(/^models\[0\]\.startupSlo: 120 s, and llama-8b's estimated cold start is 493 s \(download 161 s \+ load 33 s \+ compile 300 s; warm start 93 s\).*cache\.mode "shared"/),
    ]);
    expect(slo(load([{ ...LLAMA_8B, startupSlo: 600 }]))).toEqual([]);
    const r = capacityReport(env.resolved).models[0]!.startup;
    expect([r.startupSlo, r.overSlo]).toEqual([120, true]);
    expect(formatCapacity(capacityReport(env.resolved), false)).toMatch(/slow start: llama-8b/);
  });

  it('a declared faster link shortens the estimate (startup.downloadMBps)', () => {
    const fast = load([{ ...LLAMA_8B, startupSlo: 420 }], { startup: { downloadMBps: 1000 } });
    // 16,060,522,496 B / 1e9 B/s = 16.06 s + 32.12 s + 300 s = 348.18 s
    expect(capacityReport(fast.resolved).models[0]!.startup.coldStartSeconds).toBe(349);
    expect(fast.warnings.filter((w) => w.path.endsWith('startupSlo'))).toEqual([]);
  });
});

describe('autoscaling and a start longer than the scale-down window allows', () => {
  it('warns at autoscaling when the startup budget exceeds 3600 s, the most the scale-down window may be', () => {
    const env = load([{ ...LLAMA_8B, startupTimeoutSeconds: 4000, autoscaling: { min: 1, max: 2 } }]);
    const lines = env.warnings.filter((w) => w.path.endsWith('autoscaling')).map(formatProblem).map((l) => l.replace(/^.*?\.yaml:\d+: /, ''));
    expect(lines).toEqual([expect.stringMatching(/^models\[0\]\.autoscaling: llama-8b's startup budget is 4000 s.*3600 s.*may remove a replica still loading/)]);
    expect(load([{ ...LLAMA_8B, startupTimeoutSeconds: 3600, autoscaling: { min: 1, max: 2 } }]).warnings.filter((w) => w.path.endsWith('autoscaling'))).toEqual([]);
    expect(load([{ ...LLAMA_8B, startupTimeoutSeconds: 4000 }]).warnings.filter((w) => w.path.endsWith('autoscaling'))).toEqual([]);
  });
});

describe('start-up as a planned number, on the presets', () => {
  it.each(PRESETS)('%s: the capacity report gives every model its bytes fetched, cold and warm start, and the probe budget the server gets', (preset) => {
    const resolved = resolveEnvironment(presetEnv(preset));
    const report = capacityReport(resolved);
    const sets = statefulSets(stacksOf(preset)[`${preset}-models`]!);
    for (const m of report.models) {
      const s = m.startup;
      const r = resolved.models.find((x) => x.spec.name === m.model)!;
      expect(s.bytesFetched).toBe(r.downloadBytes);
      expect(s.coldStartSeconds).toBe(Math.ceil(r.startup.downloadSeconds + r.startup.loadSeconds + s.compileSeconds));
      expect(s.warmStartSeconds).toBe(Math.ceil(r.startup.loadSeconds + s.warmCompileSeconds));
      expect(s.warmStartSeconds).toBeLessThan(s.coldStartSeconds);
      expect(s.probeBudgetSeconds).toBeGreaterThanOrEqual(s.warmStartSeconds);
      if (s.cacheMode === 'per-replica') expect(s.probeBudgetSeconds).toBeGreaterThanOrEqual(s.coldStartSeconds);
      else expect(s.probeBudgetSeconds).toBeLessThan(s.coldStartSeconds);
      const probe = sets[m.model]?.spec.template.spec.container[0].startup_probe;
      if (probe) expect(probe.failure_threshold * probe.period_seconds).toBe(s.probeBudgetSeconds);
    }
    expect(formatCapacity(report, false)).toMatch(/start-up \(estimates from the declared bandwidths/);
  });

  it.each(['staging', 'prod'] as const)('%s: the largest model uses the shared cache: one prefetch Job per model revision, servers read-only and offline', (preset) => {
    const resolved = resolveEnvironment(presetEnv(preset));
    const largest = [...resolved.models].sort((a, b) => b.downloadBytes - a.downloadBytes)[0]!;
    expect(largest.spec.cache.mode).toBe('shared');
    const models = stacksOf(preset)[`${preset}-models`]!;
    const jobs = resourcesOf(models, 'kubernetes_job_v1') as any[];
    const shared = resolved.models.filter((m) => m.spec.cache.mode === 'shared');
    expect(jobs.map((j) => j.metadata.labels['inference-stack.io/model-revision']).sort()).toEqual(shared.map((m) => m.spec.revision).sort());
    const sts = statefulSets(models)[largest.spec.name]!;
    const c = sts.spec.template.spec.container[0];
    expect(c.volume_mount).toContainEqual({ name: 'cache', mount_path: '/models', sub_path: 'hub', read_only: true });
    expect(c.env).toContainEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
  });
});

describe('the autoscaler never scales in a replica that may still be loading (rendered ScaledObjects)', () => {
  it.each(['dev', 'prod'] as const)('%s: scale-down stabilisation >= the startup budget >= the warm start; a cooldown to zero longer than both', (preset) => {
    const resolved = resolveEnvironment(presetEnv(preset));
    const models = stacksOf(preset)[`${preset}-models`]!;
    const scaled = (resourcesOf(models, 'kubernetes_manifest') as any[]).map((m) => m.manifest).filter((m) => m.kind === 'ScaledObject');
    expect(scaled.length).toBeGreaterThan(0);
    for (const so of scaled) {
      const m = resolved.models.find((x) => x.spec.name === so.metadata.name)!;
      const budget = m.spec.startupTimeoutSeconds ?? m.startup.probeBudgetSeconds;
      const window = so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds;
      expect(budget).toBeGreaterThanOrEqual(m.startup.warmStartSeconds);
      expect(window).toBeGreaterThanOrEqual(Math.min(budget, 3600));
      expect(window).toBeLessThanOrEqual(3600);
      if (so.spec.minReplicaCount === 0) {
        expect(so.spec.cooldownPeriod).toBeGreaterThan(budget);
        expect(so.spec.cooldownPeriod).toBeGreaterThan(m.startup.warmStartSeconds);
      }
    }
    // prod's gpt-oss-120b (per-replica cache) plans 1,090 s: the window follows it past its 900 s floor, in whole minutes
    if (preset === 'prod') {
      const gptOss = resolved.models.find((x) => x.spec.name === 'gpt-oss-120b')!;
      expect(gptOss.startup.probeBudgetSeconds).toBe(1090);
      expect(scaled.find((s) => s.metadata.name === 'gpt-oss-120b').spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(1140);
    }
  });
});

describe('the memory outside gpuMemoryUtilization (issue 20)', () => {
  const GPT = { name: 'gpt-oss', model: 'openai/gpt-oss-20b', revision: SHA, pool: 'h100', maxModelLen: 8192 };
  const warmup = (e: ReturnType<typeof load>) => e.warnings.filter((w) => w.path.endsWith('gpuMemoryUtilization')).map(formatProblem).map((l) => l.replace(/^.*?\.yaml:\d+: /, ''));

  it('refuses a mixture of experts whose sampler warm-up after the KV cache has no room there (gpt-oss-20b failed so at 0.95)', () => {
    // 79.18 GiB x 0.02 = 1.58 GiB, less the CUDA context 0.5 GiB = 1.08 GiB < 1024 x 201,088 x 9 B = 1.73 GiB
    expect(problems([{ ...GPT, gpuMemoryUtilization: 0.98 }])).toEqual([
      expect.stringMatching(/^models\[0\]\.gpuMemoryUtilization: 0\.98 leaves 1\.1 GiB per GPU outside the budget after the CUDA context; vLLM warms its sampler up there after sizing the KV cache \(1024 sequences x 201088 vocabulary: about 1\.7 GiB\); two gpt-oss-20b reports on vLLM 0\.19 failed so .*: use gpuMemoryUtilization 0\.97 or less, or fewer --max-num-seqs in extraArgs$/),
    ]);
    // the pinned V1 runner counts its CUDA graphs inside the budget, so 0.95 leaves 3.5 GiB: accepted, no warning
    expect(warmup(load([{ ...GPT, gpuMemoryUtilization: 0.95 }]))).toEqual([]);
    expect(load([{ ...GPT, gpuMemoryUtilization: 0.97, extraArgs: ['--max-num-seqs', '256'] }]).env.models[0]!.gpuMemoryUtilization).toBe(0.97);
  });

  it('warns for a dense model when the CUDA graphs its V2 runner captures there and its first sampled batch do not fit', () => {
    // 79.18 x 0.02 = 1.58 GiB - 0.5 GiB context - 2 GiB of graphs < 0; the first batch with sampling settings then needs
    // 1024 x 128,256 x 9 B = 1.1 GiB there (V2's profile runs greedy requests only)
    expect(warmup(load([{ ...LLAMA_8B, gpuMemoryUtilization: 0.98 }]))).toEqual([expect.stringMatching(/^models\[0\]\.gpuMemoryUtilization: 0\.98 leaves 1\.1 GiB per GPU outside the budget after the CUDA context, 0\.0 GiB after the 2\.0 GiB of CUDA graphs vLLM captures there; the first batch that samples allocates its FP32 logits and top-k\/top-p work space there \(1024 sequences x 128256 vocabulary: about 1\.1 GiB\), after start-up: use gpuMemoryUtilization 0\.95 or less, or fewer --max-num-seqs in extraArgs$/)]);
    // 0.95: 3.96 - 0.5 - 2 = 1.46 GiB; --enforce-eager captures no graphs: 1.58 - 0.5 = 1.08 GiB, still short of 1.1
    expect(warmup(load([{ ...LLAMA_8B, gpuMemoryUtilization: 0.95 }]))).toEqual([]);
    expect(warmup(load([{ ...LLAMA_8B, gpuMemoryUtilization: 0.98, extraArgs: ['--enforce-eager'] }]))).toEqual([
      expect.stringMatching(/^models\[0\]\.gpuMemoryUtilization: 0\.98 leaves 1\.1 GiB per GPU outside the budget after the CUDA context; the first batch .*: use gpuMemoryUtilization 0\.97 or less/),
    ]);
    expect(warmup(load([{ ...LLAMA_8B, gpuMemoryUtilization: 0.98, extraArgs: ['--enforce-eager', '--max-num-seqs', '512'] }]))).toEqual([]);
  });

  it('warns about none of the presets', () => {
    for (const env of PRESETS) expect(loadEnvironment(join(REPO, 'environments', `${env}.yaml`)).warnings.filter((w) => w.path.endsWith('gpuMemoryUtilization')), env).toEqual([]);
  });
});
