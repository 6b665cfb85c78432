import { describe, expect, it } from 'vitest';
import { POOL_LABEL } from '../../constructs/gpu-node-pool';
import { TgiServer } from '../../constructs/tgi-server';
import { VllmServer } from '../../constructs/vllm-server';
import { resolveEnvironment } from '../../environments/resolve';
import { synthConstruct } from '../support/scope';
import { fixtureEnv, resourcesOf, stackDependencies, stacksOf, type StatefulSetJson, statefulSets } from '../support/synth';

const stacks = stacksOf('fixture:all-engines');
const models = stacks['all-engines-models']!;
const sets = statefulSets(models);
const server = (name: string) => sets[name]!.spec.template.spec.container[0]!;
const argValue = (s: StatefulSetJson, flag: string) => {
  const args = s.spec.template.spec.container[0]!.args;
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};

describe('model servers of the all-engines fixture', () => {
  it('creates one StatefulSet, Service and PodDisruptionBudget per server, in the restricted models namespace', () => {
    expect(Object.keys(sets).sort()).toEqual(['bge-gpu', 'custom', 'llama-70b-awq', 'mistral-ollama', 'nomic-cpu', 'qwen-14b', 'qwen-7b-shared']);
    expect(resourcesOf(models, 'kubernetes_service_v1')).toHaveLength(7);
    const pdbs = resourcesOf(models, 'kubernetes_pod_disruption_budget_v1');
    expect(pdbs).toHaveLength(7);
    for (const pdb of pdbs) expect((pdb.spec as { max_unavailable: string }).max_unavailable).toBe('1');
    for (const s of Object.values(sets)) expect(s.metadata.namespace).toBe('models');
    const ns = resourcesOf(stacks['all-engines-namespaces']!, 'kubernetes_namespace_v1').find((n) => (n.metadata as { name: string }).name === 'models');
    expect((ns!.metadata as { labels: Record<string, string> }).labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('runs vLLM with the fields as flags, the pinned image, and GPUs = TP x PP', () => {
    const s = sets['llama-70b-awq']!;
    const c = server('llama-70b-awq');
    expect(c.image).toBe('vllm/vllm-openai:v0.27.1');
    expect(c.args.slice(0, 1)).toEqual(['hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4']);
    expect(argValue(s, '--revision')).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(argValue(s, '--served-model-name')).toBe('llama-70b-awq');
    expect(argValue(s, '--tensor-parallel-size')).toBe('2');
    expect(argValue(s, '--pipeline-parallel-size')).toBe('2');
    expect(argValue(s, '--max-model-len')).toBe('65536');
    expect(argValue(s, '--kv-cache-dtype')).toBe('fp8');
    expect(c.args).toContain('--trust-remote-code');
    // the AWQ checkpoint carries its quantization_config: vLLM picks the kernel, no --quantization flag
    expect(c.args).not.toContain('--quantization');
    expect(c.args.slice(-3)).toEqual(['--enable-prefix-caching', '--max-num-seqs', '128']);
    expect(c.resources.limits['nvidia.com/gpu']).toBe('4');
    expect(c.resources.requests['nvidia.com/gpu']).toBe('4');
  });

  it('quantises a 16-bit checkpoint at load only when asked', () => {
    expect(argValue(sets['qwen-14b']!, '--quantize')).toBe('fp8');
    expect(server('qwen-7b-shared').args).not.toContain('--quantization');
  });

  it('runs every server as non-root with a restricted security context and no service account token', () => {
    for (const s of Object.values(sets)) {
      const pod = s.spec.template.spec;
      expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: '2000', fs_group: '2000', seccomp_profile: { type: 'RuntimeDefault' } });
      expect(pod.automount_service_account_token).toBe(false);
      expect(pod.container[0]!.security_context).toMatchObject({ allow_privilege_escalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
    }
  });

  it('puts HOME, HF_HOME and the caches on writable volumes, and the HF token only by Secret reference', () => {
    const c = server('llama-70b-awq');
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.value_from]));
    expect(env).toMatchObject({ HOME: '/home/inference', HF_HOME: '/cache/huggingface', VLLM_CACHE_ROOT: '/cache/vllm', XDG_CACHE_HOME: '/cache/xdg' });
    expect(env.HF_TOKEN).toEqual({ secret_key_ref: { name: 'hf-token', key: 'token' } });
    expect(c.volume_mount.map((v) => v.mount_path).sort()).toEqual(['/cache', '/dev/shm', '/home/inference', '/tmp']);
  });

  it('sizes /dev/shm in memory with an explicit limit, counted in the memory limit', () => {
    const s = sets['llama-70b-awq']!;
    const shm = s.spec.template.spec.volume.find((v) => v.name === 'shm')!;
    expect(shm.empty_dir).toEqual({ medium: 'Memory', size_limit: '5Gi' }); // (4 GPUs + 1) GiB
    // 8 GiB + 4 GiB x 4 GPUs + 5 GiB of shm
    expect(server('llama-70b-awq').resources.limits.memory).toBe('29Gi');
    expect(server('llama-70b-awq').resources.requests).toMatchObject({ cpu: '10', memory: '29Gi', 'ephemeral-storage': '4Gi' });
    expect(server('llama-70b-awq').resources.limits['ephemeral-storage']).toBe('20Gi');
  });

  it('gives each replica its own cache volume, sized from the checkpoint unless set', () => {
    const claim = sets['llama-70b-awq']!.spec.volume_claim_template![0]!;
    expect(claim.spec.resources.requests.storage).toBe('80Gi');
    expect(claim.spec.storage_class_name).toBe('fast-ssd');
    // Qwen2.5-7B: 15.23e9 B x 1.2 = 17.0 GiB, rounded up, + 10
    expect(sets['qwen-7b-shared']!.spec.volume_claim_template![0]!.spec.resources.requests.storage).toBe('28Gi');
  });

  it('sizes the startup probe to cover download and load, with readiness and liveness that differ', () => {
    const c = server('qwen-7b-shared');
    // 15.23e9 B / 100 MB/s = 152.3 s download + 15.23e9 / 500 MB/s = 30.5 s load + 300 s start = 482.8 -> 490 s
    expect(c.startup_probe).toMatchObject({ period_seconds: 10, failure_threshold: 49, http_get: { path: '/health', port: '8000' } });
    expect(c.readiness_probe).toMatchObject({ http_get: { path: '/v1/models' }, period_seconds: 10, failure_threshold: 3 });
    expect(c.liveness_probe).toMatchObject({ http_get: { path: '/health' }, period_seconds: 30, failure_threshold: 5 });
    expect(c.readiness_probe.http_get.path).not.toBe(c.liveness_probe.http_get.path);
    // terraform waits for the rollout at least as long as a start may take: 10e9 B of vLLM image / 25 MB/s = 400 s
    // pull + 490 s budget + 600 s scheduling slack
    expect(sets['qwen-7b-shared']!.timeouts.create).toBe('1490s');
  });

  it('places GPU servers on their pool: node selector, GPU toleration', () => {
    for (const name of ['llama-70b-awq', 'qwen-14b', 'mistral-ollama', 'bge-gpu']) {
      const pod = sets[name]!.spec.template.spec;
      expect(pod.node_selector?.[POOL_LABEL]).toBeDefined();
      expect(pod.toleration).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    }
    expect(sets['nomic-cpu']!.spec.template.spec.node_selector).toBeUndefined();
    expect(server('nomic-cpu').resources.limits['nvidia.com/gpu']).toBeUndefined();
  });

  it('gives a time-sliced server only its share of GPU memory', () => {
    // 0.9 on a GPU shared two ways: 0.45
    expect(argValue(sets['custom']!, '--gpu-memory-utilization')).toBe('0.45');
    expect(argValue(sets['qwen-7b-shared']!, '--gpu-memory-utilization')).toBe('0.5');
  });

  it('runs TGI on an unprivileged port with its flags', () => {
    const s = sets['qwen-14b']!;
    // the fixture's derived image: the upstream one cannot run as non-root (environments/model-checks.ts refuses it)
    expect(server('qwen-14b').image).toBe('registry.example.com/ml/text-generation-inference-nonroot:3.3.7');
    expect(argValue(s, '--port')).toBe('8000');
    expect(argValue(s, '--num-shard')).toBe('2');
    expect(argValue(s, '--max-total-tokens')).toBe('32768');
    expect(argValue(s, '--max-input-tokens')).toBe('32767');
    expect(server('qwen-14b').liveness_probe.tcp_socket).toEqual([{ port: '8000' }]);
  });

  it('runs Ollama in dev with the catalogue tag pulled into the cache volume', () => {
    const c = server('mistral-ollama');
    expect(c.image).toBe('ollama/ollama:0.32.15');
    expect(c.command).toEqual(['/bin/sh', '-c']);
    expect(c.args[0]).toContain('ollama pull mistral:7b-instruct-v0.3-q4_K_M');
    expect(c.env).toContainEqual({ name: 'OLLAMA_MODELS', value: '/cache/ollama' });
  });

  it('picks the TEI image for the GPU architecture, or the CPU image', () => {
    expect(server('bge-gpu').image).toBe('ghcr.io/huggingface/text-embeddings-inference:89-1.9.3');
    expect(server('nomic-cpu').image).toBe('ghcr.io/huggingface/text-embeddings-inference:cpu-1.9.3');
    expect(sets['nomic-cpu']!.spec.replicas).toBe('2');
  });

  it('has the stacks of an environment without edge or vector store', () => {
    expect(Object.keys(stacks)).toEqual(['all-engines-namespaces', 'all-engines-platform', 'all-engines-gpu-pools', 'all-engines-models', 'all-engines-gateway', 'all-engines-observability']);
  });

  it('deploys after the GPU pools: the models stack depends on the gpu-pools stack, which depends on the platform', () => {
    const deps = stackDependencies(fixtureEnv('all-engines'));
    expect(deps['all-engines-models']).toContain('all-engines-gpu-pools');
    expect(deps['all-engines-gpu-pools']).toContain('all-engines-platform');
    expect(deps['all-engines-gateway']).toContain('all-engines-models');
  });
});

describe('server constructs plan as environment files do', () => {
  it('given the settings an environment file states, a construct sizes the load as the resolved environment', () => {
    // Every model of the fixture with every engine: the construct gets what a team would write (model, pool,
    // parallelism, length, memory share) and no load; its planner-derived load equals the resolved plan's.
    const resolved = resolveEnvironment(fixtureEnv('all-engines'));
    const checked: string[] = [];
    for (const r of resolved.models) {
      const m = r.spec;
      if (m.engine === 'ollama' || r.multiNode) continue;
      const p = resolved.pools.find((x) => x.name === m.pool)!;
      const pool = { name: p.name, gpu: p.gpu, gpusPerNode: p.spec.gpusPerNode, sharing: p.spec.sharing };
      const small = { model: m.model, architecture: m.architecture, pool, name: m.name, tensorParallel: m.tensorParallel, quantization: m.quantization, kvCacheDtype: m.kvCacheDtype, maxModelLen: r.maxModelLen, gpuMemoryUtilization: r.gpuMemoryUtilization, extraArgs: m.extraArgs };
      let server: VllmServer | TgiServer | undefined;
      synthConstruct((s) => {
        server = m.engine === 'tgi' ? new TgiServer(s, m.name, small) : new VllmServer(s, m.name, { ...small, pipelineParallel: m.pipelineParallel });
      });
      expect(server!.settings.load, m.name).toEqual({ downloadBytes: r.downloadBytes, weightBytesPerGpu: r.plan.weightBytesPerGpu, gpus: r.plan.gpusPerReplica });
      expect(server!.settings).toMatchObject({ quantization: r.quantization, prequantized: r.prequantized, maxModelLen: r.maxModelLen });
      checked.push(m.name);
    }
    expect(checked.length).toBeGreaterThanOrEqual(4);
  });
});
