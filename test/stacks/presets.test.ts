/**
 * One readable snapshot per environment and stack (the synthesized cdk.tf.json as YAML, Helm values as block
 * text), each paired with assertions on what matters, so that a re-blessed snapshot cannot hide a regression.
 */
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { GPU_OPERATOR_COMPONENT_VERSIONS } from '../../charts/gpu-operator';
import { POOL_LABEL } from '../../constructs/gpu-node-pool';
import { CONTROLLER_ANNOTATIONS } from '../../stacks/private/environment-stack';
import { snapshotText } from '../../bin/lib/snapshot';
import { foldBlobs } from '../support/fold';
import { helmReleases, presetEnv, PRESETS, releaseValues, resourcesOf, stacksOf, statefulSets, synthNamed } from '../support/synth';

// The same rendering as `inference-stack snapshot` (bin/lib/snapshot.ts): dashboards and script assets folded,
// Helm values as YAML, keys sorted.
const readable = snapshotText;

describe.each(PRESETS)('%s preset', (preset) => {
  const env = presetEnv(preset);
  const texts = synthNamed(preset);
  const stacks = stacksOf(preset);
  const platform = stacks[`${preset}-platform`]!;
  const pools = stacks[`${preset}-gpu-pools`]!;

  it('has namespaces, platform, gpu-pools, models, rag, gateway, edge and observability stacks', () => {
    expect(Object.keys(stacks)).toEqual([`${preset}-namespaces`, `${preset}-platform`, `${preset}-gpu-pools`, `${preset}-models`, `${preset}-rag`, `${preset}-gateway`, `${preset}-edge`, `${preset}-observability`]);
  });

  it.each(Object.keys(texts))('matches the snapshot of %s', async (stack) => {
    await expect(readable(texts[stack]!)).toMatchFileSnapshot(join(__dirname, '__snapshots__', `${stack}.tf.yaml`));
  });

  it('folds each dashboard and each verbatim script out of its snapshot, nothing else', () => {
    const folded = Object.values(stacks).map((tf) => foldBlobs(tf));
    const dashboardMaps = Object.values(stacks).flatMap((tf) => resourcesOf(tf, 'kubernetes_config_map_v1')).filter((c) => (c.metadata as { labels?: Record<string, string> }).labels?.grafana_dashboard === '1');
    expect(folded.reduce((n, f) => n + f.dashboards, 0)).toBe(dashboardMaps.length);
    // model serving, GPUs, gateway, cost; RAG with a vector store
    expect(dashboardMaps.length).toBe(env.vectorStore ? 5 : 4);
    // every GPU pool has a readiness gate with its script; the vector store and the gateway bootstrap have theirs
    expect(folded.reduce((n, f) => n + f.assets, 0)).toBeGreaterThanOrEqual(env.gpuPools.length);
    expect(folded.map((f) => JSON.stringify(f.tf)).join('')).not.toContain('"panels"');
  });

  it('pins provider versions exactly and points every provider at the environment context', () => {
    for (const tf of Object.values(stacks)) {
      for (const p of Object.values(tf.terraform.required_providers)) expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(tf.provider.kubernetes).toEqual([{ config_context: env.kubernetes.context, config_path: '~/.kube/config', ignore_annotations: [...CONTROLLER_ANNOTATIONS] }]);
      expect(tf.provider.helm).toEqual([{ kubernetes: { config_context: env.kubernetes.context, config_path: '~/.kube/config' } }]);
    }
  });

  it('uses a local backend only in dev, and a locking remote backend elsewhere, one state per stack', () => {
    for (const [name, tf] of Object.entries(stacks)) {
      expect(Object.keys(tf.terraform.backend), `${name}: exactly one backend block`).toHaveLength(1);
      const [type, config] = Object.entries(tf.terraform.backend)[0]!;
      if (preset === 'dev') {
        expect(type).toBe('local');
        expect(config.path).toBe(`../../../terraform.${name}.tfstate`);
      } else {
        expect(type).toBe('s3');
        expect(config.key).toBe(`${preset}/${name}.tfstate`);
        expect(config.encrypt).toBe(true);
        expect(Boolean(config.use_lockfile) || Boolean(config.dynamodb_table)).toBe(true);
      }
    }
  });

  it('installs the GPU Operator with pinned components into a privileged namespace', () => {
    const release = helmReleases(platform).find((r) => r.chart === 'gpu-operator');
    expect(release).toMatchObject({ chart: 'gpu-operator', version: 'v26.7.0', atomic: true, wait: true, max_history: 5 });
    const values = releaseValues(release!) as Record<string, { version?: string; enabled?: boolean; upgradePolicy?: object }>;
    expect(values.driver?.version).toBe(GPU_OPERATOR_COMPONENT_VERSIONS.driver);
    expect(values.toolkit?.version).toBe(GPU_OPERATOR_COMPONENT_VERSIONS.toolkit);
    expect(values.devicePlugin?.version).toBe(GPU_OPERATOR_COMPONENT_VERSIONS.devicePlugin);
    expect(values.driver?.upgradePolicy).toMatchObject({ maxParallelUpgrades: 1 });
    expect(values.driver?.enabled).toBe(preset !== 'dev');
    const levels = Object.fromEntries(
      Object.values(stacks)
        .flatMap((tf) => resourcesOf(tf, 'kubernetes_namespace_v1'))
        .map((n) => n.metadata as { name: string; labels: Record<string, string> })
        .map((m) => [m.name, m.labels['pod-security.kubernetes.io/enforce']]),
    );
    // privileged only where POLICY 1 allows it: the GPU Operator's operands and node-exporter (and, where logs ship,
    // the log shipper's hostPath /var/log)
    const logging: Array<[string, string]> = presetEnv(preset).observability.logs ? [['logging', 'privileged']] : [];
    // and baseline for an in-cluster Langfuse (the operator-made ClickHouse pods: constructs/langfuse-tracing.ts)
    const tracing = presetEnv(preset).observability.tracing;
    const langfuse: Array<[string, string]> = tracing?.type === 'langfuse' && tracing.inCluster ? [['tracing', 'baseline']] : [];
    expect(Object.entries(levels).filter(([, l]) => l !== 'restricted').sort()).toEqual([['gpu-operator', 'privileged'], ...logging, ['monitoring', 'privileged'], ...langfuse]);
  });

  it('serves every model with GPUs = TP x PP, pinned images and revisions, on its pool', () => {
    const sets = statefulSets(stacks[`${preset}-models`]!);
    expect(Object.keys(sets).sort()).toEqual([...env.models.map((m) => m.name), ...env.embeddings.map((e) => e.name)].sort());
    for (const m of env.models) {
      const s = sets[m.name]!;
      const c = s.spec.template.spec.container[0]!;
      expect(s.spec.replicas).toBe(String(m.autoscaling ? m.autoscaling.min : m.replicas));
      expect(c.resources.limits['nvidia.com/gpu']).toBe(String(m.tensorParallel * m.pipelineParallel));
      expect(s.spec.template.spec.node_selector).toEqual({ [POOL_LABEL]: m.pool });
      expect(c.image).toMatch(/:[^:@]+$/);
      expect(c.image).not.toMatch(/:latest$/);
      if (preset !== 'dev') expect(c.args[c.args.indexOf('--revision') + 1]).toMatch(/^[0-9a-f]{40}$/);
      // a startup budget of at least five minutes, readiness and liveness that differ
      expect(c.startup_probe.failure_threshold * c.startup_probe.period_seconds).toBeGreaterThanOrEqual(300);
      // liveness checks something else than readiness (another path, or the bare port)
      expect(JSON.stringify(c.readiness_probe.http_get ?? c.readiness_probe.tcp_socket)).not.toBe(JSON.stringify(c.liveness_probe.http_get ?? c.liveness_probe.tcp_socket));
      if (m.tensorParallel > 1) {
        const shm = s.spec.template.spec.volume.find((v) => v.name === 'shm')!;
        expect(shm.empty_dir).toEqual({ medium: 'Memory', size_limit: `${m.tensorParallel * m.pipelineParallel + 1}Gi` });
      }
    }
    for (const e of env.embeddings) expect(sets[e.name]!.spec.replicas).toBe(String(e.replicas));
  });

  it('labels and taints every node of every pool', () => {
    const labelled = resourcesOf(pools, 'kubernetes_labels')
      .filter((l) => POOL_LABEL in (l.labels as object))
      .map((l) => [(l.metadata as { name: string }).name, (l.labels as Record<string, string>)[POOL_LABEL]]);
    const expected = env.gpuPools.flatMap((p) => p.nodes.map((n) => [n, p.name]));
    expect(labelled.sort()).toEqual(expected.sort());
    const tainted = resourcesOf(pools, 'kubernetes_node_taint').map((t) => (t.metadata as { name: string }).name);
    // dev's single workstation is the whole cluster: untainted, so the CPU workloads can run on it
    expect(tainted.sort()).toEqual(preset === 'dev' ? [] : expected.map(([n]) => n).sort());
  });
});

describe('preset specifics', () => {
  it('staging time-slices its L4 pool two ways', () => {
    const stacks = stacksOf('staging');
    const values = releaseValues(helmReleases(stacks['staging-platform']!).find((r) => r.chart === 'gpu-operator')!) as { devicePlugin: { config: { data: Record<string, string> } } };
    expect(parse(values.devicePlugin.config.data['l4-shared']!)).toMatchObject({ sharing: { timeSlicing: { resources: [{ replicas: 2 }] } } });
    const l4 = resourcesOf(stacks['staging-gpu-pools']!, 'kubernetes_labels').find((l) => (l.metadata as { name: string }).name === 'stg-l4-01');
    expect(l4!.labels).toMatchObject({ 'nvidia.com/device-plugin.config': 'l4-shared' });
  });

  it('prod runs gpt-oss-120b and a 70B model at full 128k context on H100s, with two replicas each', () => {
    const sets = statefulSets(stacksOf('prod')['prod-models']!);
    const args = sets['llama-70b']!.spec.template.spec.container[0]!.args;
    expect(args).toEqual(expect.arrayContaining(['--quantization', 'fp8', '--tensor-parallel-size', '4', '--max-model-len', '131072']));
    expect(sets['gpt-oss-120b']!.spec.template.spec.container[0]!.args).not.toContain('--quantization');
    expect(sets['llama-70b']!.spec.replicas).toBe('2');
    expect(sets['bge-large']!.spec.replicas).toBe('2');
  });

  it('prod cuts its A100 node into 3g.40gb MIG slices', () => {
    const stacks = stacksOf('prod');
    const a100 = resourcesOf(stacks['prod-gpu-pools']!, 'kubernetes_labels').filter((l) => (l.metadata as { name: string }).name === 'prod-a100-01');
    expect(a100.find((l) => l.force === true)!.labels).toEqual({ 'nvidia.com/mig.config': 'all-3g.40gb' });
    const values = releaseValues(helmReleases(stacks['prod-platform']!).find((r) => r.chart === 'gpu-operator')!) as { mig: { strategy: string } };
    expect(values.mig.strategy).toBe('single');
  });
});
