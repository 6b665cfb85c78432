import { describe, expect, it } from 'vitest';
import { POOL_LABEL } from '../../constructs/gpu-node-pool';
import { VLLM_PORT, VllmServer } from '../../constructs/vllm-server';
import { Testing } from '../../lib/cdktf';
import { synthConstruct } from '../support/scope';
import { GB, llmProps, statefulSetOf } from '../support/servers';
import type { GpuPoolRef, VllmServerProps } from '../../constructs/llm-server-props';
import { gpuSpec, poolDevice } from '../../catalog/gpus';
import { MODELS } from '../../catalog/models';
import { downloadBytes, planServing } from '../../catalog/planner';

const synth = (props: VllmServerProps) => synthConstruct((scope) => new VllmServer(scope, 'server', props));
const flag = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

describe('VllmServer', () => {
  it('renders a StatefulSet, a Service and a PodDisruptionBudget named after the server', () => {
    const { text } = synth(llmProps());
    expect(Testing.toHaveResourceWithProperties(text, 'kubernetes_stateful_set_v1', { metadata: { name: 'llama-8b', namespace: 'models' } })).toBe(true);
    expect(Testing.toHaveResourceWithProperties(text, 'kubernetes_stateful_set_v1', { metadata: { name: 'another' } })).toBe(false);
    expect(Testing.toHaveResourceWithProperties(text, 'kubernetes_service_v1', { spec: { type: 'ClusterIP', port: [{ name: 'http', port: VLLM_PORT, target_port: 'http', protocol: 'TCP' }] } })).toBe(true);
    expect(Testing.toHaveResourceWithProperties(text, 'kubernetes_pod_disruption_budget_v1', { spec: { max_unavailable: '1' } })).toBe(true);
  });

  it('serves the model with its fields as vllm serve flags, plus the extra ones', () => {
    const s = statefulSetOf(synth(llmProps({ tensorParallel: 2, quantization: 'fp8', kvCacheDtype: 'fp8', extraArgs: ['--enable-prefix-caching'] })).resources);
    const c = s.spec.template.spec.container[0];
    expect(c.args[0]).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(flag(c.args, '--served-model-name')).toBe('llama-8b');
    expect(flag(c.args, '--tensor-parallel-size')).toBe('2');
    expect(flag(c.args, '--quantization')).toBe('fp8');
    expect(flag(c.args, '--kv-cache-dtype')).toBe('fp8');
    expect(c.args.at(-1)).toBe('--enable-prefix-caching');
    // GPUs = TP x PP, requested and limited
    expect(c.resources.limits['nvidia.com/gpu']).toBe('2');
    expect(c.resources.requests['nvidia.com/gpu']).toBe('2');
  });

  it('runs the restricted model pod on its pool, probing /health and /v1/models', () => {
    const s = statefulSetOf(synth(llmProps()).resources);
    const pod = s.spec.template.spec;
    const c = pod.container[0];
    expect(pod.node_selector).toEqual({ [POOL_LABEL]: 'l4' });
    expect(pod.toleration).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: '2000', seccomp_profile: { type: 'RuntimeDefault' } });
    expect(c.security_context).toEqual({ allow_privilege_escalation: false, privileged: false, run_as_non_root: true, capabilities: { drop: ['ALL'] }, seccomp_profile: { type: 'RuntimeDefault' } });
    expect([c.startup_probe.http_get.path, c.readiness_probe.http_get.path, c.liveness_probe.http_get.path]).toEqual(['/health', '/v1/models', '/health']);
    expect(c.readiness_probe.http_get.port).toBe(String(VLLM_PORT));
    expect(c.env.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['HOME', 'VLLM_CACHE_ROOT', 'VLLM_NO_USAGE_STATS']));
  });

  it('sizes the startup probe and the cache from the load', () => {
    const small = statefulSetOf(synth(llmProps()).resources);
    const big = statefulSetOf(synth(llmProps({ load: { downloadBytes: 140 * GB, weightBytesPerGpu: 70 * GB, gpus: 2 } })).resources);
    expect(big.spec.template.spec.container[0].startup_probe.failure_threshold).toBeGreaterThan(small.spec.template.spec.container[0].startup_probe.failure_threshold);
    // 140 GB x 1.2 in GiB, rounded up, + 10
    expect(big.spec.volume_claim_template[0].spec.resources.requests.storage).toBe(`${Math.ceil((140 * GB * 1.2) / 1024 ** 3) + 10}Gi`);
  });

  it('spreads replicas over nodes only when there are several', () => {
    expect(statefulSetOf(synth(llmProps()).resources).spec.template.spec.topology_spread_constraint).toBeUndefined();
    const spread = statefulSetOf(synth(llmProps({ replicas: 3 })).resources).spec.template.spec.topology_spread_constraint;
    expect(spread).toEqual([
      {
        max_skew: 1,
        topology_key: 'kubernetes.io/hostname',
        when_unsatisfiable: 'ScheduleAnyway',
        node_taints_policy: 'Honor',
        node_affinity_policy: 'Honor',
        label_selector: [{ match_labels: { 'app.kubernetes.io/name': 'llama-8b', 'app.kubernetes.io/instance': 'llama-8b' } }],
      },
    ]);
  });

  it('mounts an existing cache claim instead of a claim template, and leaves the replica count to an autoscaler', () => {
    const s = statefulSetOf(synth(llmProps({ cache: { existingClaim: 'shared-cache' }, autoscaled: true })).resources);
    expect(s.spec.volume_claim_template).toBeUndefined();
    expect(s.spec.template.spec.volume[0]).toEqual({ name: 'cache', persistent_volume_claim: { claim_name: 'shared-cache' } });
    expect(s.lifecycle.ignore_changes).toEqual(['spec[0].replicas']);
  });

  it('reads the Hugging Face token from the Secret, never its value', () => {
    const s = statefulSetOf(synth(llmProps({ hfTokenSecret: { name: 'hf', key: 'token' } })).resources);
    expect(s.spec.template.spec.container[0].env.at(-1)).toEqual({ name: 'HF_TOKEN', value_from: { secret_key_ref: { name: 'hf', key: 'token' } } });
  });

  it('fails when the server name is longer than a Kubernetes name', () => {
    expect(() => synth(llmProps({ name: 'x'.repeat(64) }))).toThrow(`stack/server (VllmServer): props.name: "${'x'.repeat(64)}" is not a DNS label of at most 63 characters`);
  });
});

describe('VllmServer on day two', () => {
  it('gives an autoscaled rollout the time of its most replicas, not of its floor', () => {
    // The provider waits for the live replica count, which the autoscaler may have raised to its max.
    const timeouts = (over: Partial<VllmServerProps>) => statefulSetOf(synth(llmProps(over)).resources).timeouts as { create: string; update: string };
    const floor = timeouts({ replicas: 1, autoscaled: true });
    const atMost = timeouts({ replicas: 1, autoscaled: true, maxReplicas: 3 });
    const seconds = (s: string) => Number(s.replace(/s$/, ''));
    expect(atMost.create).toBe(floor.create);
    // update = replicas x (pull + startup budget) + slack: two more pods' worth
    const pod = seconds(floor.update) - 600;
    expect(seconds(atMost.update)).toBe(3 * pod + 600);
  });

  it('replaces the StatefulSet when the cache switches between per-replica claims and an existing claim', () => {
    // The claim template is ignored after the first apply (ForceNew), so a switch of cache mode would otherwise leave
    // the pod mounting a volume it no longer has. terraform_data holds the mode; replace_triggered_by follows it
    // (Terraform 1.11, checked: creating the terraform_data does not replace, changing its input does).
    const of = (cache: VllmServerProps['cache']) => synth(llmProps({ cache })).resources as Record<string, Record<string, any>>;
    for (const [cache, mode] of [[undefined, 'per-replica'], [{ existingClaim: 'shared-cache' }, 'existing-claim']] as const) {
      const r = of(cache);
      const [id, data] = Object.entries(r.terraform_data ?? {})[0] ?? [];
      expect(data?.input).toEqual({ cache: mode });
      expect(statefulSetOf(r as never).lifecycle.replace_triggered_by).toEqual([`terraform_data.${id}`]);
    }
    // another existing claim is a rolling update of the pods' volumes, not a replacement
    expect(Object.values(of({ existingClaim: 'other-cache' }).terraform_data!)).toEqual(Object.values(of({ existingClaim: 'shared-cache' }).terraform_data!));
  });
});

describe('VllmServer from the small props (the model and the pool)', () => {
  const L4: GpuPoolRef = { name: 'l4', gpu: gpuSpec('l4-24gb'), gpusPerNode: 2 };
  /** The planner's figures for a model on one L4, as resolve.ts computes them for an environment file. */
  const planOn = (model: string, tensorParallel: number, maxModelLen: number) => {
    const device = poolDevice(gpuSpec('l4-24gb'), { mode: 'none' })!;
    return planServing({ model, tensorParallel, pipelineParallel: 1, kvCacheDtype: 'auto', maxModelLen, gpuMemoryUtilization: 0.9 }, MODELS[model]!, device);
  };

  it('fills in the rest from the catalogues and the planner: the smallest tensor parallel that fits, the longest context that fits', () => {
    let server: VllmServer | undefined;
    const { resources } = synthConstruct((s) => {
      server = new VllmServer(s, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', pool: L4 });
    });
    const st = server!.settings;
    // Llama 3.1 8B in bf16 (16.06 GB) fits one L4 with room for 8192 tokens: tensor parallel 1
    expect(planOn('meta-llama/Llama-3.1-8B-Instruct', 1, 8192).fullLengthSequences).toBeGreaterThanOrEqual(1);
    expect(st.tensorParallel).toBe(1);
    // the model's 131072 tokens do not fit: the longest that does, rounded down to a multiple of 1024
    const largest = planOn('meta-llama/Llama-3.1-8B-Instruct', 1, 131072).largestMaxModelLen;
    expect(largest).toBeLessThan(131072);
    expect(st.maxModelLen).toBe(Math.floor(largest / 1024) * 1024);
    expect(st).toMatchObject({ name: 'llama-3-1-8b-instruct', namespace: 'models', pool: 'l4', pipelineParallel: 1, quantization: 'none', prequantized: false, kvCacheDtype: 'auto', gpuMemoryUtilization: 0.9, replicas: 1 });
    // the load the probes and the cache are sized from: the planner's download and weights
    expect(st.load).toEqual({ downloadBytes: downloadBytes('vllm', { model: 'meta-llama/Llama-3.1-8B-Instruct' }), weightBytesPerGpu: planOn('meta-llama/Llama-3.1-8B-Instruct', 1, 8192).weightBytesPerGpu, gpus: 1 });
    const args = statefulSetOf(resources).spec.template.spec.container[0].args as string[];
    expect(flag(args, '--tensor-parallel-size')).toBe('1');
    expect(flag(args, '--max-model-len')).toBe(String(st.maxModelLen));
    expect(flag(args, '--served-model-name')).toBe('llama-3-1-8b-instruct');
    expect(statefulSetOf(resources).metadata).toMatchObject({ name: 'llama-3-1-8b-instruct', namespace: 'models' });
  });

  it('raises tensor parallel to the smallest at which a given maxModelLen fits', () => {
    let server: VllmServer | undefined;
    synthConstruct((s) => {
      server = new VllmServer(s, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', pool: L4, maxModelLen: 65536 });
    });
    expect(planOn('meta-llama/Llama-3.1-8B-Instruct', 1, 65536).fullLengthSequences).toBe(0);
    expect(planOn('meta-llama/Llama-3.1-8B-Instruct', 2, 65536).fullLengthSequences).toBeGreaterThanOrEqual(1);
    expect(server!.settings).toMatchObject({ tensorParallel: 2, maxModelLen: 65536 });
  });

  it("takes the quantisation from a pre-quantised checkpoint: vLLM reads its config, so no --quantization flag", () => {
    let server: VllmServer | undefined;
    const { resources } = synthConstruct((s) => {
      server = new VllmServer(s, 'qwen', { model: 'Qwen/Qwen2.5-72B-Instruct-AWQ', pool: { name: 'h100', gpu: 'h100-80gb', gpusPerNode: 8 } });
    });
    expect(server!.settings).toMatchObject({ quantization: 'awq', prequantized: true, tensorParallel: 1 });
    expect(statefulSetOf(resources).spec.template.spec.container[0].args).not.toContain('--quantization');
  });

  it('divides the default memory share among the sharers of a time-sliced GPU', () => {
    let server: VllmServer | undefined;
    synthConstruct((s) => {
      server = new VllmServer(s, 'qwen', { model: 'Qwen/Qwen2.5-7B-Instruct', pool: { name: 'shared', gpu: 'h100-80gb', gpusPerNode: 8, sharing: { mode: 'time-slicing', replicas: 2 } } });
    });
    expect(server!.settings.gpuMemoryUtilization).toBe(0.45);
  });

  it('is an IModelServer: Service, namespace, port, engine, pod labels and URL', () => {
    let server: VllmServer | undefined;
    const { resources } = synthConstruct((s) => {
      server = new VllmServer(s, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', pool: L4, name: 'llama', namespace: 'serving' });
    });
    const sts = statefulSetOf(resources);
    expect(server!).toMatchObject({ servedModelName: 'llama', serviceName: 'llama', namespace: 'serving', port: VLLM_PORT, engine: 'vllm', url: `http://llama.serving.svc.cluster.local:${VLLM_PORT}` });
    expect(server!.podLabels).toEqual(sts.spec.template.metadata.labels);
  });
});
