/**
 * DEFAULTS (environments/defaults.ts) is the one source of default values: the schema applies them, the resolver
 * decides the stage-dependent ones from them, and README says them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, byStageText } from '../../environments/defaults';
import { resolveEnvironment } from '../../environments/resolve';
import { EnvironmentSchema } from '../../environments/schema';
import { MINIMAL } from '../support/env';
import { REPO } from '../support/paths';

const README = readFileSync(join(REPO, 'README.md'), 'utf8');

describe('DEFAULTS', () => {
  it('are what the schema fills in', () => {
    const env = EnvironmentSchema.parse({
      ...MINIMAL,
      models: [{ name: 'm', model: 'meta-llama/Llama-3.1-8B-Instruct', pool: 'gpu', maxModelLen: 4096 }],
      vectorStore: { type: 'qdrant', collections: [] },
      edge: { tls: { mode: 'none' } },
    });
    const m = env.models[0]!;
    expect(m).toMatchObject({
      engine: DEFAULTS.model.engine,
      tensorParallel: DEFAULTS.model.tensorParallel,
      pipelineParallel: DEFAULTS.model.pipelineParallel,
      kvCacheDtype: DEFAULTS.model.kvCacheDtype,
      gpuMemoryUtilization: DEFAULTS.model.gpuMemoryUtilization,
      replicas: DEFAULTS.model.replicas,
      trustRemoteCode: DEFAULTS.model.trustRemoteCode,
    });
    expect(env.gpuPools[0]!.sharing).toEqual(DEFAULTS.gpuPool.sharing);
    expect(env.gateway).toMatchObject({ numRetries: DEFAULTS.gateway.numRetries, timeoutSeconds: DEFAULTS.gateway.timeoutSeconds, masterKeySecret: DEFAULTS.gateway.masterKeySecret });
    expect(env.vectorStore).toMatchObject({ hnsw: DEFAULTS.vectorStore.hnsw, allowedNamespaces: DEFAULTS.vectorStore.allowedNamespaces, backup: { keep: DEFAULTS.vectorStore.backupKeep } });
    expect(env.edge).toMatchObject({ service: { type: DEFAULTS.edge.serviceType }, mtls: { enabled: DEFAULTS.edge.mtlsEnabled } });
    // The stage-dependent ones, decided by the resolver.
    const r = resolveEnvironment(env);
    expect(r.stageValues).toMatchObject({
      gatewayReplicas: DEFAULTS.byStage.gatewayReplicas.dev,
      edgeReplicas: DEFAULTS.byStage.edgeReplicas.dev,
      vectorStoreReplicas: DEFAULTS.byStage.vectorStoreReplicas.dev,
      gatewayDatabaseInstances: DEFAULTS.byStage.databaseInstances.dev,
    });
  });

  it('are what README says of the stage-dependent replicas', () => {
    const comment = (block: string) => {
      const m = new RegExp(`^${block}:\\n(?:  .*\\n)*?  replicas: \\d+ +# (.*)$`, 'm').exec(README);
      if (!m) throw new Error(`README has no ${block}: example with a replicas comment`);
      return m[1]!;
    };
    expect(comment('gateway')).toContain(`default: ${byStageText(DEFAULTS.byStage.gatewayReplicas)}`);
    expect(comment('edge')).toContain(`default: ${byStageText(DEFAULTS.byStage.edgeReplicas)}`);
    expect(comment('vectorStore')).toContain(`default: ${byStageText(DEFAULTS.byStage.vectorStoreReplicas)}`);
  });

  it('say a stage default in words', () => {
    expect(byStageText({ dev: 1, staging: 2, prod: 2 })).toBe('1 in dev, 2 elsewhere');
    expect(byStageText({ dev: 1, staging: 2, prod: 3 })).toBe('1 in dev, 2 in staging, 3 in prod');
  });
});
