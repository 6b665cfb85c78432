/**
 * The resolved environment (environments/resolve.ts): what the checks, `capacity`, the diagram and the stacks read.
 */
import { describe, expect, it } from 'vitest';
import { capacityReport } from '../../bin/commands/capacity';
import { architecture } from '../../bin/commands/diagram';
import { GPUS, poolDevice } from '../../catalog/gpus';
import { architectureOf, planServing } from '../../catalog/planner';
import { DEFAULTS } from '../../environments/defaults';
import { loadEnvironment } from '../../environments/load';
import { modelServing, resolveEnvironment } from '../../environments/resolve';
import { EnvironmentSchema, type Environment } from '../../environments/schema';
import { MINIMAL, writeEnvs } from '../support/env';
import { PRESETS, fixtureEnv, presetEnv } from '../support/synth';

describe('resolveEnvironment', () => {
  it('plans each model once: the plan the checks computed is the one the loader returns', () => {
    for (const preset of PRESETS) {
      const { env, resolved } = loadEnvironment(writeEnvs({ e: { extends: preset, name: `r-${preset}` } }).e!);
      expect(resolved.models.length).toBeGreaterThan(0);
      resolved.models.forEach((r, i) => {
        // The same entry object as the validated environment's: the checks saw it and memoised its plan.
        expect(r.spec).toBe(env.models[i]);
        const pool = env.gpuPools.find((p) => p.name === r.spec.pool)!;
        const device = resolved.pools.find((p) => p.name === pool.name)!.device!;
        expect(modelServing(r.spec, r.arch, device).plan).toBe(r.plan);
        // ... and it is the planner's plan for the entry on its pool's device.
        expect(r.plan).toEqual(planServing(r.spec, architectureOf(r.spec)!, poolDevice(GPUS[pool.gpu]!, pool.sharing)!));
      });
    }
  });

  it('counts every pool with one formula: capacity (nodes x GPUs x shares), used, free', () => {
    const r = resolveEnvironment(presetEnv('prod'));
    for (const p of r.pools) {
      const perGpu = p.device?.perGpu ?? 1;
      expect(p.capacity).toBe(p.spec.nodes.length * p.spec.gpusPerNode * perGpu);
      const models = r.models.filter((m) => m.spec.pool === p.name).reduce((n, m) => n + m.plan.gpusPerReplica * m.maxReplicas, 0);
      const embeddings = r.embeddings.filter((e) => e.pool === p.name).reduce((n, e) => n + e.spec.replicas, 0);
      expect(p.used).toBe(models + embeddings);
      expect(p.free).toBe(p.capacity - p.used);
    }
    expect(r.pools.some((p) => p.used > 0)).toBe(true);
    // `capacity` prints these numbers, not its own.
    expect(capacityReport(r).pools.map((p) => [p.pool, p.gpus, p.used, p.free])).toEqual(r.pools.map((p) => [p.name, p.capacity, p.used, p.free]));
  });

  it('decides multi-node, replicas at creation and the time-sliced memory share', () => {
    const [m] = resolveEnvironment(fixtureEnv('multi-node')).models;
    expect(m!.multiNode).toBe(true);
    expect(m!.nodesPerReplica).toBe(m!.spec.pipelineParallel);
    const dev = resolveEnvironment(presetEnv('dev'));
    for (const r of dev.models) {
      const pool = dev.pools.find((p) => p.name === r.spec.pool)!.spec;
      const share = pool.sharing.mode === 'time-slicing' ? pool.sharing.replicas : 1;
      expect(r.gpuMemoryUtilization).toBeCloseTo(r.spec.gpuMemoryUtilization / share, 4);
      expect(r.replicas).toBe(r.spec.autoscaling ? r.spec.autoscaling.min : r.spec.replicas);
    }
  });

  it('takes stage-dependent values from DEFAULTS.byStage, and an explicit value over them', () => {
    for (const stage of PRESETS) {
      const r = resolveEnvironment(presetEnv(stage));
      expect(r.stageValues.preventDestroy).toBe(DEFAULTS.byStage.preventDestroy[stage]);
      expect(r.stageValues.gatewayDatabaseInstances).toBe(r.env.gateway.database.instances ?? DEFAULTS.byStage.databaseInstances[stage]);
    }
    const mini = EnvironmentSchema.parse({ ...MINIMAL, gateway: { replicas: 5 } });
    expect(resolveEnvironment(mini).stageValues.gatewayReplicas).toBe(5);
    expect(resolveEnvironment(EnvironmentSchema.parse(MINIMAL)).stageValues.gatewayReplicas).toBe(DEFAULTS.byStage.gatewayReplicas.dev);
  });

  it('refuses an environment the schema did not validate, saying so', () => {
    const env: Environment = { ...presetEnv('dev') };
    const bad: Environment = { ...env, models: env.models.map((m) => ({ ...m, pool: 'nowhere' })) };
    expect(() => resolveEnvironment(bad)).toThrow(/unknown pool "nowhere".*validate the environment first/);
  });

  it('is what the diagram draws', () => {
    const r = resolveEnvironment(presetEnv('prod'));
    const { nodes } = architecture(r);
    expect(nodes.filter((n) => n.group === 'models').map((n) => n.label.split(' ')[0])).toEqual([...r.models, ...r.embeddings].map((m) => m.spec.name));
  });
});
