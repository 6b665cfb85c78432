import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { describe, expect, it } from 'vitest';
import { gpuSpec, poolDevice } from '../../catalog/gpus';
import { MODELS } from '../../catalog/models';
import { plan } from '../../catalog/planner';
import type { VllmServerProps } from '../../constructs/llm-server-props';
import { MASTER_PORT, MultiNodeVllmServer, multiNodeGroupName } from '../../constructs/multi-node-vllm-server';

/** The rendered LeaderWorkerSet, as the tests read it (its typed form is internal to the construct). */
type LeaderWorkerSetManifest = { apiVersion: string; kind: string; spec: Record<string, any>; metadata: Record<string, any> } & Record<string, any>;
import { VLLM_PORT, VllmServer } from '../../constructs/vllm-server';
import { Testing } from '../../lib/cdktf';
import { loadCrds, validateCustomResource } from '../support/crds';
import { only, synthConstruct } from '../support/scope';
import { llmProps, statefulSetOf } from '../support/servers';

const GB = 1e9;
const props = (over: Partial<VllmServerProps> = {}) =>
  llmProps({ name: 'llama-70b', tensorParallel: 8, pipelineParallel: 2, load: { downloadBytes: 140 * GB, weightBytesPerGpu: 9 * GB, gpus: 16 }, hfTokenSecret: { name: 'hf', key: 'token' }, ...over });
const synth = (p: VllmServerProps) => synthConstruct((scope) => new MultiNodeVllmServer(scope, 'server', p));
const lwsOf = (p: VllmServerProps): LeaderWorkerSetManifest => only(synth(p).resources, 'kubernetes_manifest').manifest;
const containerOf = (t: IPodTemplateSpec | undefined): IContainer => t!.spec!.containers[0]!;
const flag = (args: readonly string[] | undefined, name: string) => args![args!.indexOf(name) + 1];
const crds = loadCrds();

describe('MultiNodeVllmServer', () => {
  it('renders a LeaderWorkerSet of one pod per pipeline stage that validates against the pinned LWS CRD', () => {
    const lws = lwsOf(props());
    expect(lws.metadata.name).toBe(multiNodeGroupName('llama-70b'));
    expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
    expect(lws.spec.leaderWorkerTemplate.restartPolicy).toBe('RecreateGroupOnPodRestart');
    expect(lws.spec.replicas).toBe(1);
    expect(validateCustomResource(crds, { ...lws })).toEqual([]);
  });

  it('gives each pod the GPUs of one node, and starts vLLM as leader (rank 0) and headless workers', () => {
    const t = lwsOf(props()).spec.leaderWorkerTemplate;
    const leader = containerOf(t.leaderTemplate);
    const worker = containerOf(t.workerTemplate);
    for (const c of [leader, worker]) {
      expect(c.resources?.limits?.['nvidia.com/gpu']).toBe('8');
      expect(flag(c.args, '--nnodes')).toBe('2');
      expect(flag(c.args, '--master-port')).toBe(String(MASTER_PORT));
      expect(c.ports).toEqual([{ name: 'http', containerPort: VLLM_PORT }, { name: 'dist', containerPort: MASTER_PORT }]);
    }
    expect(flag(leader.args, '--node-rank')).toBe('0');
    expect(flag(worker.args, '--node-rank')).toBe('$(LWS_WORKER_INDEX)');
    expect(worker.args).toContain('--headless');
    expect(leader.args).not.toContain('--headless');
  });

  it('probes the leader only; workers are labelled apart from the probed servers', () => {
    const t = lwsOf(props()).spec.leaderWorkerTemplate;
    expect(containerOf(t.leaderTemplate).readinessProbe?.httpGet).toEqual({ path: '/v1/models', port: VLLM_PORT });
    expect(containerOf(t.workerTemplate).startupProbe).toBeUndefined();
    expect(t.workerTemplate.metadata?.labels?.['app.kubernetes.io/component']).toBe('model-server-worker');
    expect(t.leaderTemplate?.metadata?.labels?.['inference-stack.io/role']).toBe('leader');
  });

  it('gives each pod a cache volume for its life, or the shared claim', () => {
    const ephemeral = lwsOf(props()).spec.leaderWorkerTemplate.workerTemplate.spec!.volumes![0]!;
    expect(ephemeral.ephemeral?.volumeClaimTemplate?.spec.resources?.requests?.storage).toBe(`${Math.ceil((140 * GB * 1.2) / 1024 ** 3) + 10}Gi`);
    const shared = lwsOf(props({ cache: { existingClaim: 'weights' } })).spec.leaderWorkerTemplate.workerTemplate.spec!.volumes![0];
    expect(shared).toEqual({ name: 'cache', persistentVolumeClaim: { claimName: 'weights' } });
  });

  it('leaves the group count to an autoscaler', () => {
    expect(lwsOf(props({ autoscaled: true })).spec.replicas).toBeUndefined();
  });

  it('routes the Service to the leaders and lets one pod of the group go at a time', () => {
    const { text } = synth(props());
    expect(Testing.toHaveResourceWithProperties(text, 'kubernetes_service_v1', { metadata: { name: 'llama-70b' }, spec: { selector: { 'leaderworkerset.sigs.k8s.io/name': 'llama-70b-group', 'leaderworkerset.sigs.k8s.io/worker-index': '0' } } })).toBe(true);
    expect(Testing.toHaveResourceWithProperties(text, 'kubernetes_pod_disruption_budget_v1', { spec: { max_unavailable: '1' } })).toBe(true);
  });

  it('runs the same pod as a single-node server: security contexts, env, volumes, resources and probes', () => {
    const leader = lwsOf(props()).spec.leaderWorkerTemplate.leaderTemplate!.spec!;
    // the single-node server of one stage: same GPUs per pod, same load
    const single = statefulSetOf(synthConstruct((scope) => new VllmServer(scope, 'single', props({ pipelineParallel: 1 }))).resources).spec.template.spec;
    const sc = single.container[0];
    const lc = leader.containers[0]!;
    expect(leader.securityContext).toEqual({
      runAsNonRoot: single.security_context.run_as_non_root,
      runAsUser: Number(single.security_context.run_as_user),
      runAsGroup: Number(single.security_context.run_as_group),
      fsGroup: Number(single.security_context.fs_group),
      fsGroupChangePolicy: single.security_context.fs_group_change_policy,
      seccompProfile: single.security_context.seccomp_profile,
    });
    expect(lc.securityContext).toEqual({
      allowPrivilegeEscalation: sc.security_context.allow_privilege_escalation,
      privileged: sc.security_context.privileged,
      runAsNonRoot: sc.security_context.run_as_non_root,
      capabilities: sc.security_context.capabilities,
      seccompProfile: sc.security_context.seccomp_profile,
    });
    expect(lc.env).toEqual(sc.env.map((e: { name: string; value?: string; value_from?: { secret_key_ref: object } }) => (e.value_from ? { name: e.name, valueFrom: { secretKeyRef: e.value_from.secret_key_ref } } : e)));
    expect(lc.resources).toEqual(sc.resources);
    expect(lc.volumeMounts).toEqual(sc.volume_mount.map((m: { name: string; mount_path: string }) => ({ name: m.name, mountPath: m.mount_path })));
    expect(leader.volumes!.slice(1)).toEqual(single.volume.map(({ name, empty_dir: { medium, size_limit } }: { name: string; empty_dir: { medium?: string; size_limit: string } }) => ({
        name,
        emptyDir: { ...(medium ? { medium } : {}), sizeLimit: size_limit },
      })),
    );
    for (const p of ['startup', 'readiness', 'liveness'] as const) {
      const s = sc[`${p}_probe`];
      expect(lc[`${p}Probe`]).toEqual({ periodSeconds: s.period_seconds, failureThreshold: s.failure_threshold, timeoutSeconds: s.timeout_seconds, httpGet: { path: s.http_get.path, port: Number(s.http_get.port) } });
    }
    expect(leader.tolerations).toEqual(single.toleration);
    expect(leader.nodeSelector).toEqual(single.node_selector);
  });
});

describe('MultiNodeVllmServer from the small props', () => {
  it('fills each node with tensor parallel and takes the fewest stages at which the model fits', () => {
    const pool = { name: 'l4', gpu: 'l4-24gb', gpusPerNode: 4, nodes: ['a', 'b', 'c', 'd'] };
    let server: MultiNodeVllmServer | undefined;
    const { resources } = synthConstruct((s) => {
      server = new MultiNodeVllmServer(s, 'llama', { model: 'meta-llama/Llama-3.1-70B-Instruct', pool });
    });
    const st = server!.settings;
    // 141 GB of bf16 weights: 4 L4s of one node (4 x 24 GB) are not enough, two nodes are
    const l4 = poolDevice(gpuSpec('l4-24gb'), { mode: 'none' })!;
    const planAt = (pp: number) => plan({ arch: MODELS['meta-llama/Llama-3.1-70B-Instruct']!, gpuMemoryBytes: l4.memoryBytes, nvlink: l4.nvlink, tensorParallel: 4, pipelineParallel: pp, quantization: 'none', kvCacheDtype: 'auto', maxModelLen: 8192, gpuMemoryUtilization: 0.9, largeBatchDefaults: false });
    expect(planAt(1).kvCacheBytesPerGpu).toBeLessThan(0);
    expect(planAt(2).fullLengthSequences).toBeGreaterThanOrEqual(1);
    expect(st).toMatchObject({ tensorParallel: 4, pipelineParallel: 2 });
    const lws = only(resources, 'kubernetes_manifest').manifest as LeaderWorkerSetManifest;
    expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
    expect(server!).toMatchObject({ engine: 'vllm', serviceName: 'llama-3-1-70b-instruct', url: `http://llama-3-1-70b-instruct.models.svc.cluster.local:${VLLM_PORT}` });
    expect(server!.podLabels['inference-stack.io/role']).toBe('leader');
  });

  it('refuses more stages than the pool has nodes', () => {
    const pool = { name: 'l4', gpu: 'l4-24gb', gpusPerNode: 4, nodes: ['a', 'b'] };
    expect(() => synthConstruct((s) => new MultiNodeVllmServer(s, 'llama', { model: 'meta-llama/Llama-3.1-70B-Instruct', pool, pipelineParallel: 3 }))).toThrow(
      'stack/llama (MultiNodeVllmServer): props.pipelineParallel: 3 stages need 3 nodes and pool "l4" has 2; use 2 or less, or add nodes',
    );
  });
});
