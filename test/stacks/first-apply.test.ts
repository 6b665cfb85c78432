/**
 * The first apply on a fresh cluster, in the order cdktf applies the stacks: nothing reads a namespace, a Secret,
 * a CRD or GPU resources before the stack that provides it (see test/support/first-apply.ts for the model).
 */
import { describe, expect, it } from 'vitest';
import { Testing } from '../../lib/cdktf';
import type { Environment } from '../../environments/schema';
import { addEnvironmentStacks } from '../../stacks/environment-stacks';
import { applyOrder, crdsByChart, firstApplyViolations, type AppliedStack, type Read } from '../support/first-apply';
import { DEPLOYABLE_ENVIRONMENTS, presetEnv } from '../support/synth';
import { resolveEnvironment } from '../../environments/resolve';

function appliedStacks(env: Environment): { stacks: AppliedStack[]; deployOrder: string[] } {
  const app = Testing.app();
  const { all } = addEnvironmentStacks(app, resolveEnvironment(env));
  return {
    stacks: all.map((s) => ({ name: s.node.id, dependencies: s.dependencies.map((d) => d.node.id), json: JSON.parse(Testing.synth(s, true)) })),
    deployOrder: all.map((s) => s.node.id),
  };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const ENVIRONMENTS = DEPLOYABLE_ENVIRONMENTS;

describe.each(ENVIRONMENTS)('first apply of %s', (_, load) => {
  const env = load();
  const { stacks, deployOrder } = appliedStacks(env);

  it('reads nothing before the stack that provides it', () => {
    const reads: Read[] = [];
    const violations = firstApplyViolations(stacks, reads);
    expect(violations.map((v) => `${v.stack} ${v.address} reads ${v.what}: ${v.problem}`)).toEqual([]);
    // the model looked at namespaces, Secrets, CRDs and GPUs (it cannot pass by seeing nothing)
    const kinds = new Set(reads.map((r) => r.what.split(' ')[0]));
    for (const k of ['namespace', 'Secret', 'CRD', 'GPU']) expect(kinds, k).toContain(k);
  });

  it('creates the namespaces first, in a stack every other stack comes after', () => {
    const order = applyOrder(stacks).map((s) => s.name);
    expect(order[0]).toBe(`${env.name}-namespaces`);
    const ns = stacks.find((s) => s.name === `${env.name}-namespaces`)!;
    for (const s of stacks.filter((x) => x !== ns)) {
      expect(Object.keys(s.json.resource?.kubernetes_namespace_v1 ?? {}), s.name).toEqual([]);
    }
  });

  it('deploys in an order cdktf accepts: every dependency first', () => {
    for (const s of stacks) for (const d of s.dependencies) expect(deployOrder.indexOf(d), `${s.name} after ${d}`).toBeLessThan(deployOrder.indexOf(s.name));
  });
});

describe('the first-apply model', () => {
  const { stacks } = appliedStacks(presetEnv('staging'));
  const stack = (list: AppliedStack[], layer: string) => list.find((s) => s.name === `staging-${layer}`)!;

  it('knows the CRDs each pinned chart installs from the upstream data', () => {
    const crds = crdsByChart();
    expect(crds.get('gpu-operator')).toContain('nvidia.com/NVIDIADriver');
    expect(crds.get('kube-prometheus-stack')).toContain('monitoring.coreos.com/ServiceMonitor');
    expect(crds.get('cloudnative-pg')).toContain('postgresql.cnpg.io/Cluster');
    expect(crds.get('cert-manager')).toContain('cert-manager.io/Certificate');
    expect(crds.get('keda')).toContain('keda.sh/ScaledObject');
    expect(crds.get('lws')).toContain('leaderworkerset.x-k8s.io/LeaderWorkerSet');
    expect(crds.get('qdrant')?.size).toBe(0);
  });

  it('catches a Secret reader applied before the namespaces stack', () => {
    // the platform stack (Grafana's admin Secret) declared first, no longer waiting for the namespaces stack
    const moved = clone(stacks).sort((a, b) => Number(b.name === 'staging-platform') - Number(a.name === 'staging-platform'));
    stack(moved, 'platform').dependencies.splice(0);
    const order = applyOrder(moved).map((s) => s.name);
    expect(order.indexOf('staging-platform')).toBeLessThan(order.indexOf('staging-namespaces'));
    expect(firstApplyViolations(moved).map((v) => `${v.address} ${v.what}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^helm_release\.monitoring_release_\w+ Secret monitoring\/grafana-admin$/), expect.stringMatching(/^helm_release\.monitoring_release_\w+ namespace monitoring$/)]),
    );
  });

  it('catches a namespace created in the same stack as its Secret reader', () => {
    const moved = clone(stacks);
    const ns = stack(moved, 'namespaces').json.resource!.kubernetes_namespace_v1!;
    const [id, gateway] = Object.entries(ns).find(([, n]) => (n.metadata as { name: string }).name === 'gateway')!;
    delete ns[id];
    (stack(moved, 'gateway').json.resource!.kubernetes_namespace_v1 ??= {})[id] = gateway;
    const problems = firstApplyViolations(moved).filter((v) => v.what === 'Secret gateway/litellm-master-key');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.problem).toMatch(/only after staging-gateway has created namespace "gateway", which is this same stack/);
  });

  it('catches a dropped dependency on what an operator writes (the edge Certificate Secret)', () => {
    const moved = clone(stacks);
    const deployment = Object.values(stack(moved, 'edge').json.resource!.kubernetes_deployment_v1!)[0]!;
    delete deployment.depends_on;
    expect(firstApplyViolations(moved)).toEqual([
      expect.objectContaining({ what: 'Secret edge/edge-tls', problem: expect.stringMatching(/^provided by kubernetes_manifest\.caddy_certificate_\w+ in the same stack, without a dependency on it$/) }),
    ]);
  });

  it('catches a custom resource whose CRD comes later, and GPU pods before the GPU pools', () => {
    const moved = clone(stacks);
    stack(moved, 'models').dependencies.splice(0, Infinity, 'staging-namespaces');
    stack(moved, 'platform').dependencies.push('staging-models');
    const problems = firstApplyViolations(moved).map((v) => `${v.stack} ${v.what}: ${v.problem}`);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^staging-models GPU resources: provided later/)]));
    const ordered = clone(stacks);
    // a ServiceMonitor in the same stack as the chart that installs its CRD: plan fails
    const platform = stack(ordered, 'platform');
    const obs = stack(ordered, 'observability');
    platform.json.resource!.kubernetes_manifest = obs.json.resource!.kubernetes_manifest!;
    expect(firstApplyViolations(ordered).map((v) => `${v.stack} ${v.what}: ${v.problem}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^staging-platform CRD monitoring\.coreos\.com\/ServiceMonitor: a kubernetes_manifest needs its CRD at plan time/)]),
    );
  });
});
