/** GPU pools end to end: resource names under the cluster's MIG strategy, readiness gates, timeouts. */
import { describe, expect, it } from 'vitest';
import { capacityReport } from '../../bin/commands/capacity';
import type { Environment } from '../../environments/schema';
import { checkPolicy } from '../../policy/check';
import { workloads } from '../../lib/tf-json';
import { GPUS } from '../../catalog/gpus';
import { IMAGE_PULL_BYTES_PER_SECOND } from '../../constructs/private/server-sizing';
import { PRESETS, fixtureEnv, helmReleases, presetEnv, releaseValues, resourcesOf, statefulSets, synthEnvJson } from '../support/synth';
import { resolveEnvironment } from '../../environments/resolve';

/** prod with one more A100 node cut the balanced way: the operator must switch to the mixed strategy. */
function prodWithBalancedPool(): Environment {
  const env = structuredClone(presetEnv('prod'));
  return { ...env, gpuPools: [...env.gpuPools, { ...env.gpuPools.find((p) => p.name === 'a100-mig')!, name: 'a100-balanced', nodes: ['prod-a100-02'], sharing: { mode: 'mig', profile: 'balanced' } }] };
}

describe('MIG strategy mixed', () => {
  const stacks = synthEnvJson(prodWithBalancedPool());

  it('switches the operator to mixed, and the servers of the uniform MIG pool ask for nvidia.com/mig-<profile>', () => {
    const values = releaseValues(helmReleases(stacks['prod-platform']!).find((r) => r.chart === 'gpu-operator')!) as { mig: { strategy: string } };
    expect(values.mig.strategy).toBe('mixed');
    const qwen = statefulSets(stacks['prod-models']!)['qwen-7b']!;
    const resources = qwen.spec.template.spec.container[0]!.resources as { requests: Record<string, string>; limits: Record<string, string> };
    expect(resources.limits['nvidia.com/mig-3g.40gb']).toBe('1');
    expect(resources.requests['nvidia.com/mig-3g.40gb']).toBe('1');
    expect(resources.limits['nvidia.com/gpu']).toBeUndefined();
    // whole-GPU pools keep nvidia.com/gpu
    const llama = statefulSets(stacks['prod-models']!)['llama-70b']!;
    expect((llama.spec.template.spec.container[0]!.resources as { limits: Record<string, string> }).limits['nvidia.com/gpu']).toBe('4');
  });

  it('shows the resource each pool is requested by in the capacity report', () => {
    const pools = capacityReport(resolveEnvironment(prodWithBalancedPool())).pools;
    expect(Object.fromEntries(pools.map((p) => [p.pool, p.resource]))).toEqual({ h100: 'nvidia.com/gpu', 'a100-mig': 'nvidia.com/mig-3g.40gb', 'a100-balanced': 'nvidia.com/mig-* (several profiles)' });
  });

  it('holds the policy: the MIG slice counts as a GPU (limit = request, toleration, pool selector)', () => {
    const docs = Object.entries(stacks).map(([name, json]) => ({ name, json }));
    const qwen = workloads({ name: 'prod-models', json: stacks['prod-models']! }).find((w) => w.labels['app.kubernetes.io/name'] === 'qwen-7b')!;
    expect(qwen.gpus).toBe(1);
    const findings = checkPolicy(docs, 'prod').violations.filter((f) => ['P05', 'P06'].includes(f.rule));
    expect(findings).toEqual([]);
  });
});

describe('MIG strategy single (prod as it is)', () => {
  it('keeps nvidia.com/gpu for MIG slices', () => {
    const stacks = synthEnvJson(presetEnv('prod'));
    const qwen = statefulSets(stacks['prod-models']!)['qwen-7b']!;
    expect((qwen.spec.template.spec.container[0]!.resources as { limits: Record<string, string> }).limits).toMatchObject({ 'nvidia.com/gpu': '1' });
  });
});

/** Allocatable GPU resources a node of the pool must report, computed here from the catalogue's MIG table. */
function expectedPerNode(p: Environment['gpuPools'][number]): number {
  if (p.sharing.mode === 'time-slicing') return p.gpusPerNode * p.sharing.replicas;
  if (p.sharing.mode === 'mig') {
    const profile = p.sharing.profile;
    return p.gpusPerNode * GPUS[p.gpu]!.migProfiles.find((m) => m.name === profile)!.instancesPerGpu;
  }
  return p.gpusPerNode;
}
type Obj = Record<string, any>;
/** What a gate Job waits for: the pool.json of the ConfigMap of the same name. */
function gateSpecs(tf: Parameters<typeof resourcesOf>[0]): Array<{ job: Obj; spec: Obj }> {
  const maps = resourcesOf(tf, 'kubernetes_config_map_v1') as Obj[];
  return (resourcesOf(tf, 'kubernetes_job_v1') as Obj[]).map((job) => ({ job, spec: JSON.parse(maps.find((m) => m.metadata.name === job.metadata.name)!.data['pool.json']) }));
}
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);

describe.each(PRESETS)('GPU readiness gates (%s)', (preset) => {
  const env = presetEnv(preset);
  const stacks = synthEnvJson(env);
  const pools = stacks[`${preset}-gpu-pools`]!;
  const jobs = resourcesOf(pools, 'kubernetes_job_v1') as Obj[];
  const gates = gateSpecs(pools);

  it('runs one gate Job per pool that waits until every node reports the GPUs the pool promises', () => {
    expect(jobs).toHaveLength(env.gpuPools.length);
    for (const p of env.gpuPools) {
      const { job, spec } = gates.find((g) => g.spec.pool === p.name)!;
      expect(job, p.name).toBeDefined();
      expect(spec).toMatchObject({ nodes: p.nodes, resource: 'nvidia.com/gpu', expectedPerNode: expectedPerNode(p) });
      expect(job.wait_for_completion).toBe(true);
      expect(job.depends_on).toEqual(expect.arrayContaining(p.nodes.map(() => expect.stringMatching(/^kubernetes_labels\./))));
      // bounded: the script gives up first, then the Job's deadline, then Terraform
      const script = spec.timeoutSeconds as number;
      expect(script).toBeGreaterThanOrEqual(20 * 60);
      expect(job.spec.active_deadline_seconds).toBeGreaterThan(script);
      expect(seconds(job.timeouts.create)).toBeGreaterThan(job.spec.active_deadline_seconds);
      expect(seconds(job.timeouts.create)).toBeLessThanOrEqual(2 * 3600);
      expect(job.timeouts.update).toBe(job.timeouts.create);
      expect(job.spec.backoff_limit).toBe(0);
    }
  });

  it('needs no GPU node: no GPU request, no GPU toleration, no pool selector; only the gate account mounts a token', () => {
    for (const job of jobs) {
      const pod = job.spec.template.spec;
      expect(JSON.stringify(pod)).not.toMatch(/nvidia\.com\/(gpu|mig-)"/);
      expect(pod.toleration).toBeUndefined();
      expect(pod.node_selector).toBeUndefined();
      expect(pod.service_account_name).toBe('gpu-readiness');
      expect(pod.automount_service_account_token).toBe(true);
    }
  });

  it('lets its ServiceAccount only get and list nodes', () => {
    const [role] = resourcesOf(pools, 'kubernetes_cluster_role_v1') as Obj[];
    expect(role!.rule).toEqual([{ api_groups: [''], resources: ['nodes'], verbs: ['get', 'list'] }]);
    const [binding] = resourcesOf(pools, 'kubernetes_cluster_role_binding_v1') as Obj[];
    expect(binding!.subject).toEqual([{ kind: 'ServiceAccount', name: 'gpu-readiness', namespace: expect.stringMatching(/readiness/) }]);
    const [sa] = resourcesOf(pools, 'kubernetes_service_account_v1') as Obj[];
    expect(sa!.metadata.name).toBe('gpu-readiness');
  });

  it('passes the policy, the gate token by declared exception only', () => {
    const result = checkPolicy(Object.entries(stacks).map(([name, json]) => ({ name, json })), env.stage);
    expect(result.violations).toEqual([]);
    expect(result.excepted.filter((e) => e.rule === 'P11').map((e) => e.message)).toEqual(jobs.map(() => 'mounts the token of service account "gpu-readiness"'));
  });
});

describe('GPU readiness gate under the mixed strategy', () => {
  it('waits for nvidia.com/mig-<profile> on uniform pools and for any MIG slice on the balanced one', () => {
    const byPool = Object.fromEntries(gateSpecs(synthEnvJson(prodWithBalancedPool())['prod-gpu-pools']!).map((g) => [g.spec.pool, g.spec]));
    expect(byPool['a100-mig']).toMatchObject({ resource: 'nvidia.com/mig-3g.40gb', expectedPerNode: 16, migConfig: 'all-3g.40gb' });
    expect(byPool['a100-balanced']).toMatchObject({ resource: 'nvidia.com/mig-*', expectedPerNode: 8, migConfig: 'all-balanced' });
    expect(byPool.h100).toMatchObject({ resource: 'nvidia.com/gpu', expectedPerNode: 8 });
    expect(byPool.h100!.migConfig).toBeUndefined();
  });

  it('re-runs the gate (a new Job name) when what it waits for changes, and not otherwise', () => {
    const name = (env: Environment) => gateSpecs(synthEnvJson(env)['prod-gpu-pools']!).find((g) => g.spec.pool === 'h100')!.job.metadata.name;
    const prod = presetEnv('prod');
    expect(name(prod)).toBe(name(presetEnv('prod')));
    expect(name(prod)).not.toBe(name({ ...prod, gpuPools: prod.gpuPools.map((p) => (p.name === 'h100' ? { ...p, nodes: [...p.nodes, 'prod-h100-04'] } : p)) }));
  });
});

describe('server rollout timeouts include the image pull', () => {
  const stacks = synthEnvJson(presetEnv('prod'));
  // The vLLM image is about 10 GB (the figure); scheduling and volume provisioning keep their 600 s.
  it('gives a vLLM StatefulSet its startup budget, 10 GB of pull at the declared rate, and the scheduling slack', () => {
    const llama = statefulSets(stacks['prod-models']!)['llama-70b']! as Obj;
    const probe = llama.spec.template.spec.container[0].startup_probe;
    const budget = probe.failure_threshold * probe.period_seconds;
    const pull = 10e9 / IMAGE_PULL_BYTES_PER_SECOND;
    expect(seconds(llama.timeouts.create)).toBeGreaterThanOrEqual(budget + pull + 600);
    // a rolling update replaces the replicas one at a time, each pulling and loading
    expect(seconds(llama.timeouts.update)).toBeGreaterThanOrEqual(Number(llama.spec.replicas) * (budget + pull) + 600);
  });

  it('does the same for a multi-node group (LeaderWorkerSet)', () => {
    const multi = synthEnvJson(fixtureEnv('multi-node'));
    const lws = Object.values(multi).flatMap((s) => resourcesOf(s, 'kubernetes_manifest') as Obj[]).find((m) => m.manifest.kind === 'LeaderWorkerSet')!;
    const probe = lws.manifest.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0].startupProbe;
    const budget = probe.failureThreshold * probe.periodSeconds;
    expect(seconds(lws.timeouts.create)).toBeGreaterThanOrEqual(budget + 10e9 / IMAGE_PULL_BYTES_PER_SECOND + 600);
  });
});

describe('gate names', () => {
  it('stay within 63 characters (the job-name label) for the longest pool name the schema allows', () => {
    const prod = presetEnv('prod');
    const long = 'p'.repeat(40);
    const env = { ...prod, gpuPools: prod.gpuPools.map((p) => (p.name === 'h100' ? { ...p, name: long } : p)), models: prod.models.map((m) => (m.pool === 'h100' ? { ...m, pool: long } : m)), embeddings: prod.embeddings.map((e) => (e.pool === 'h100' ? { ...e, pool: long } : e)) };
    const gate = gateSpecs(synthEnvJson(env)['prod-gpu-pools']!).find((g) => g.spec.pool === long)!;
    expect(gate.job.metadata.name.length).toBeLessThanOrEqual(63);
  });
});
