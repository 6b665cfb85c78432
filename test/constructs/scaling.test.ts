/** Beyond one node and one replica: multi-node serving (LeaderWorkerSet) and autoscaling (KEDA). */
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { describe, expect, it } from 'vitest';
import { capacityReport } from '../../bin/commands/capacity';
import { checkPolicy } from '../../policy';
import { fixtureEnv, helmReleases, presetEnv, resourcesOf, statefulSets, synthEnvJson } from '../support/synth';
import { resolveEnvironment } from '../../environments/resolve';

const validate = (Model: new (d: never) => unknown, data: unknown) => (new Model(data as never) as { validate(): void }).validate();

describe('multi-node serving (fixture: Llama 70B bf16, TP 8 inside a node x PP 2 across nodes)', () => {
  const stacks = synthEnvJson(fixtureEnv('multi-node'));
  const models = stacks['multi-node-models']!;
  const lws = (resourcesOf(models, 'kubernetes_manifest') as any[]).map((m) => m.manifest).find((m) => m.kind === 'LeaderWorkerSet');
  const leader = lws.spec.leaderWorkerTemplate.leaderTemplate;
  const worker = lws.spec.leaderWorkerTemplate.workerTemplate;

  it('deploys one group of two pods (one per pipeline stage), 8 GPUs each, recreated together', () => {
    expect(lws.spec.leaderWorkerTemplate).toMatchObject({ size: 2, restartPolicy: 'RecreateGroupOnPodRestart' });
    // LWS makes a headless Service named after itself: not the model's name, which our Service keeps
    expect(lws.metadata.name).toBe('llama-70b-group');
    // autoscaled: the replica count is KEDA's, so the manifest does not set it
    expect(lws.spec.replicas).toBeUndefined();
    for (const t of [leader, worker]) {
      expect(t.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('8');
      expect(t.spec.volumes.find((v: any) => v.name === 'shm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '9Gi' });
      expect(t.spec.nodeSelector).toEqual({ 'inference-stack.io/pool': 'a100' });
    }
  });

  it('launches vLLM across nodes: the leader is rank 0 and serves the API, workers join headless', () => {
    const l = leader.spec.containers[0].args;
    const w = worker.spec.containers[0].args;
    for (const args of [l, w]) {
      expect(args).toEqual(expect.arrayContaining(['--tensor-parallel-size', '8', '--pipeline-parallel-size', '2', '--nnodes', '2', '--master-addr', '$(LWS_LEADER_ADDRESS)', '--distributed-executor-backend', 'mp']));
    }
    expect(l[l.indexOf('--node-rank') + 1]).toBe('0');
    expect(w[w.indexOf('--node-rank') + 1]).toBe('$(LWS_WORKER_INDEX)');
    expect(w).toContain('--headless');
    expect(l).not.toContain('--headless');
    expect(leader.spec.containers[0].readinessProbe.httpGet.path).toBe('/v1/models');
    expect(worker.spec.containers[0].readinessProbe).toBeUndefined();
  });

  it('has pod templates valid against the Kubernetes schema', () => {
    expect(() => validate(PodTemplateSpec as never, leader)).not.toThrow();
    expect(() => validate(PodTemplateSpec as never, worker)).not.toThrow();
    expect(() => validate(PodTemplateSpec as never, { spec: { containers: 'nope' } })).toThrow();
  });

  it('serves through the leader, keeps one pod of a group disruptable, and lets group pods reach each other', () => {
    const [svc] = resourcesOf(models, 'kubernetes_service_v1') as any[];
    expect(svc.metadata.name).toBe('llama-70b');
    expect(svc.spec.selector).toEqual({ 'leaderworkerset.sigs.k8s.io/name': 'llama-70b-group', 'leaderworkerset.sigs.k8s.io/worker-index': '0' });
    const [pdb] = resourcesOf(models, 'kubernetes_pod_disruption_budget_v1') as any[];
    expect(pdb.spec).toEqual({ max_unavailable: '1', selector: { match_labels: { 'leaderworkerset.sigs.k8s.io/name': 'llama-70b-group' } } });
    const policies = (resourcesOf(models, 'kubernetes_network_policy_v1') as any[]).map((p) => p.metadata.name);
    expect(policies).toContain('allow-serving-groups');
  });

  it('installs LeaderWorkerSet and KEDA in the platform, pinned', () => {
    const charts = helmReleases(stacks['multi-node-platform']!).map((r) => `${r.chart}@${r.version}`);
    expect(charts).toEqual(expect.arrayContaining(['lws@0.10.0', 'keda@2.20.2']));
  });

  it('passes the policy, the group pods included', () => {
    const result = checkPolicy(Object.entries(stacks).map(([name, json]) => ({ name, json: json as never })), 'staging');
    expect(result.violations).toEqual([]);
  });

  it('passes the policy with two fixed groups too: the group PDB covers the pods LWS labels', () => {
    const env = fixtureEnv('multi-node');
    const fixed = { ...env, models: env.models.map((m) => ({ ...m, autoscaling: undefined, replicas: 2 })) };
    const synthesized = synthEnvJson(fixed);
    const lws2 = (resourcesOf(synthesized['multi-node-models']!, 'kubernetes_manifest') as any[]).map((m) => m.manifest).find((m) => m.kind === 'LeaderWorkerSet');
    expect(lws2.spec.replicas).toBe(2);
    const result = checkPolicy(Object.entries(synthesized).map(([name, json]) => ({ name, json: json as never })), 'staging');
    expect(result.violations).toEqual([]);
  });

  it('shows the nodes per replica and the autoscaling range in the capacity report', () => {
    const [m] = capacityReport(resolveEnvironment(fixtureEnv('multi-node'))).models;
    expect(m).toMatchObject({ tensorParallel: 8, pipelineParallel: 2, nodesPerReplica: 2, autoscaling: { min: 1, max: 2 }, replicas: 1 });
    // 2 groups x 16 GPUs at most: the whole pool
    expect(capacityReport(resolveEnvironment(fixtureEnv('multi-node'))).pools[0]).toMatchObject({ gpus: 32, used: 32, free: 0 });
  });

  it('scales the LeaderWorkerSet on queue depth; Terraform leaves the replica count to KEDA', () => {
    const so = (resourcesOf(models, 'kubernetes_manifest') as any[]).find((m) => m.manifest.kind === 'ScaledObject');
    expect(so.manifest.spec.scaleTargetRef).toEqual({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'llama-70b-group' });
    expect(() => validate(ScaledObject as never, so.manifest)).not.toThrow();
    // no computed_fields override: the provider's defaults (labels, annotations) stay
    const lwsResource = (resourcesOf(models, 'kubernetes_manifest') as any[]).find((m) => m.manifest.kind === 'LeaderWorkerSet');
    expect(lwsResource.computed_fields).toBeUndefined();
  });
});

describe('autoscaling (presets)', () => {
  it('prod scales gpt-oss-120b between 2 and 3 on queue depth and KV-cache usage', () => {
    const models = synthEnvJson(presetEnv('prod'))['prod-models']!;
    const so = (resourcesOf(models, 'kubernetes_manifest') as any[]).map((m) => m.manifest).find((m) => m.kind === 'ScaledObject');
    expect(so.spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 3, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'gpt-oss-120b' } });
    expect(so.spec.triggers).toEqual([
      { type: 'prometheus', name: 'queue-depth', metadata: { serverAddress: 'http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090', query: 'sum(vllm:num_requests_waiting{model_name="gpt-oss-120b"})', threshold: '8' } },
      { type: 'prometheus', name: 'kv-cache-usage', metadata: { serverAddress: 'http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090', query: 'sum(vllm:kv_cache_usage_perc{model_name="gpt-oss-120b"})', threshold: '0.8' } },
    ]);
    expect(() => validate(ScaledObject as never, so)).not.toThrow();
    const sts = statefulSets(models)['gpt-oss-120b']! as any;
    expect(sts.spec.replicas).toBe('2');
    expect(sts.lifecycle).toEqual({ ignore_changes: ['spec[0].replicas', 'spec[0].volume_claim_template'] });
  });

  it('dev scales to zero and wakes on requests for the model at the gateway (no server means no queue metric)', () => {
    const models = synthEnvJson(presetEnv('dev'))['dev-models']!;
    const so = (resourcesOf(models, 'kubernetes_manifest') as any[]).map((m) => m.manifest).find((m) => m.kind === 'ScaledObject');
    expect(so.spec.minReplicaCount).toBe(0);
    const wake = so.spec.triggers.find((t: any) => t.name === 'gateway-requests');
    expect(wake.metadata).toMatchObject({ query: 'sum(rate(litellm_proxy_total_requests_metric_total{requested_model="qwen-7b"}[2m]))', activationThreshold: '0' });
    expect((statefulSets(models)['qwen-7b'] as any).spec.replicas).toBe('0');
  });

  it('reads only metrics the pinned exporters expose in its queries', () => {
    const queries = ['dev', 'prod'].flatMap((p) => (resourcesOf(synthEnvJson(presetEnv(p))[`${p}-models`]!, 'kubernetes_manifest') as any[]).map((m) => m.manifest).filter((m) => m.kind === 'ScaledObject').flatMap((m) => m.spec.triggers.map((t: any) => t.metadata.query)));
    const names = queries.flatMap((q: string) => [...q.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\{/g)].map((x) => x[1]));
    expect(new Set(names)).toEqual(new Set(['vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'litellm_proxy_total_requests_metric_total']));
  });
});
