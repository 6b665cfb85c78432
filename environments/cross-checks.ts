/**
 * The cross-field pass of the schema: the pools' own contradictions here, then the checks of each part (strings,
 * deployability, models, front door, vector store, alerting), each adding located issues.
 */
import type { z } from 'zod';
import { GPUS, GPU_KEYS } from '../catalog/gpus';
import { checkAlerting } from './alerting-checks';
import { checkCost } from './cost-checks';
import { DEFAULTS } from './defaults';
import { checkDeployable } from './deploy-checks';
import { checkFrontDoor } from './front-door-checks';
import { checkGuardrails } from './guardrail-checks';
import { checkModels } from './model-checks';
import { checkVectorStore } from './rag-checks';
import { show, type Shape } from './shapes';
import { checkStrings } from './string-checks';

/** The cross-field pass: every contradiction between fields, each with its path. */
export function crossCheck(env: Shape, ctx: z.RefinementCtx): void {
  const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  if (env.stage !== 'dev' && env.backend.type === 'local') {
    add(['backend', 'type'], `"local" keeps state on one machine without locking; ${env.stage} needs a remote backend with locking (s3, gcs, azurerm or kubernetes)`);
  }

  const poolIndex = new Map<string, number>();
  const nodeOwner = new Map<string, string>();
  env.gpuPools.forEach((pool, i) => {
    const first = poolIndex.get(pool.name);
    if (first !== undefined) {
      add(['gpuPools', i, 'name'], `duplicate pool name "${pool.name}" (also gpuPools[${first}]); give each pool its own name`);
    } else {
      poolIndex.set(pool.name, i);
    }
    pool.nodes.forEach((node, j) => {
      const owner = nodeOwner.get(node);
      if (owner !== undefined) {
        add(['gpuPools', i, 'nodes', j], `node "${node}" is already in pool "${owner}"; a node belongs to one pool`);
      } else {
        nodeOwner.set(node, pool.name);
      }
    });

    const gpu = GPUS[pool.gpu];
    if (gpu && pool.sharing.mode === 'mig') {
      const profiles = gpu.migProfiles.map((p) => p.name);
      if (profiles.length === 0) {
        add(['gpuPools', i, 'sharing', 'mode'], `${pool.gpu} has no MIG; use mode "time-slicing" or "none", or a MIG-capable GPU (${GPU_KEYS.filter((k) => (GPUS[k]?.migProfiles.length ?? 0) > 0).join(', ')})`);
      } else if (pool.sharing.profile !== 'balanced' && !profiles.includes(pool.sharing.profile)) {
        add(['gpuPools', i, 'sharing', 'profile'], `${show(pool.sharing.profile)} is not a MIG profile of ${pool.gpu}; use one of: ${[...profiles, 'balanced'].join(', ')}`);
      }
    }
    if (!pool.taint && env.stage !== 'dev') {
      add(['gpuPools', i, 'taint'], `false lets any pod take ${pool.name}'s GPU nodes; ${env.stage} taints GPU pools (remove taint: false)`);
    }
    if (pool.driver && !env.gpuOperator.driverEnabled) {
      add(['gpuPools', i, 'driver'], `a pool driver needs the operator to install drivers, but gpuOperator.driverEnabled is false; remove the pool's driver or set driverEnabled: true`);
    }
  });

  checkStrings(env, add);
  checkDeployable(env, add);
  const filled = withDefaultReplicas(env);
  checkModels(filled, add);
  checkFrontDoor(filled, add);
  checkGuardrails(filled, add);
  checkVectorStore(filled, add);
  checkAlerting(filled, add);
  checkCost(filled, add);
}

/**
 * A model's replicas default to 1 after the checks, so that they can tell a `replicas` written beside
 * `autoscaling` (ignored, so refused) from one left out.
 */
export type Filled = Omit<Shape, 'models'> & { models: Array<Omit<Shape['models'][number], 'replicas'> & { replicas: number }> };
const FILLED = new WeakMap<Shape, Filled>();
export function withDefaultReplicas(env: Shape): Filled {
  // One object per parsed input: the checks and the output share it, so what the checks resolved (the model plans,
  // environments/resolve.ts) is not computed again for the output.
  const cached = FILLED.get(env);
  if (cached) return cached;
  const filled: Filled = { ...env, models: env.models.map((m) => ({ ...m, replicas: m.replicas ?? DEFAULTS.model.replicas })) };
  FILLED.set(env, filled);
  return filled;
}
