/**
 * What each engine downloads: TGI fetches every root-level *.safetensors of the repo (Mistral 7B v0.3 ships a
 * consolidated copy beside its shards); vLLM fetches one copy. Cache volumes and startup budgets follow.
 */
import { describe, expect, it } from 'vitest';
import { MODELS } from '../../catalog/models';
import { weightBytes } from '../../catalog/planner';
import { DOWNLOAD_BYTES_PER_SECOND, ENGINE_START_SECONDS } from '../../constructs/private/server-sizing';
import { loadEnvironment } from '../../environments/load';
import { writeEnvs } from '../support/env';
import { statefulSets, synthEnvJson } from '../support/synth';

const GIB = 1024 ** 3;
const MISTRAL = MODELS['mistralai/Mistral-7B-Instruct-v0.3']!;
const base = { model: MISTRAL.id, revision: 'c170c708c41dac9275d15a8fff4eca08d52bab71', pool: 'l40s', maxModelLen: 32768 };
const { env } = writeEnvs({
  env: {
    name: 'downloads',
    stage: 'staging',
    kubernetes: { context: 'x' },
    backend: { type: 'gcs', bucket: 'state', prefix: 'downloads' },
    gpuPools: [{ name: 'l40s', gpu: 'l40s-48gb', gpusPerNode: 4, nodes: ['n1'] }],
    models: [
      { ...base, name: 'mistral-tgi', engine: 'tgi', image: { repository: 'registry.example.com/ml/text-generation-inference-nonroot', tag: '3.3.7' } },
      { ...base, name: 'mistral-vllm' },
    ],
  },
});
const sets = statefulSets(synthEnvJson(loadEnvironment(env!).env)['downloads-models']!);
const cacheBytes = (name: string) => Number(/^(\d+)Gi$/.exec(sets[name]!.spec.volume_claim_template![0]!.spec.resources.requests.storage)![1]) * GIB;
const startupSeconds = (name: string) => {
  const c = sets[name]!.spec.template.spec.container[0]!;
  return c.startup_probe.period_seconds * c.startup_probe.failure_threshold;
};

describe('downloads by engine', () => {
  it('knows that the Mistral 7B v0.3 repo holds more root-level safetensors than its weights', () => {
    expect(MISTRAL.repoSafetensorsBytes).toBeGreaterThan(1.9 * weightBytes(MISTRAL, 'none'));
  });

  it("sizes TGI's cache for every root-level safetensors file, and vLLM's for one copy of the weights", () => {
    expect(cacheBytes('mistral-tgi')).toBeGreaterThanOrEqual(MISTRAL.repoSafetensorsBytes!);
    expect(cacheBytes('mistral-vllm')).toBeGreaterThanOrEqual(weightBytes(MISTRAL, 'none'));
    expect(cacheBytes('mistral-vllm')).toBeLessThan(MISTRAL.repoSafetensorsBytes!);
  });

  it("gives TGI's first start the time to download all of it, and vLLM's less", () => {
    const allOfIt = MISTRAL.repoSafetensorsBytes! / DOWNLOAD_BYTES_PER_SECOND + ENGINE_START_SECONDS;
    expect(startupSeconds('mistral-tgi')).toBeGreaterThanOrEqual(allOfIt);
    expect(startupSeconds('mistral-vllm')).toBeLessThan(allOfIt);
  });
});
