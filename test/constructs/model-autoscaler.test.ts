import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../observability/metric-names';
import { MAX_STABILIZATION_WINDOW_SECONDS, ModelAutoscaler, scaleInWindowSeconds, type ModelAutoscalerProps } from '../../constructs/model-autoscaler';
import { loadCrds, validateCustomResource } from '../support/crds';
import { REPO } from '../support/paths';
import { only, synthConstruct } from '../support/scope';

const base: ModelAutoscalerProps = {
  model: 'llama-8b',
  namespace: 'models',
  target: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'llama-8b' },
  min: 1,
  max: 4,
  targetQueueDepth: 5,
  prometheus: 'http://prometheus.monitoring.svc:9090',
};

function scaledObject(props: ModelAutoscalerProps): IScaledObject {
  const { resources } = synthConstruct((scope) => new ModelAutoscaler(scope, 'autoscaler', props));
  return only(resources, 'kubernetes_manifest').manifest;
}
const crds = loadCrds();

describe('ModelAutoscaler', () => {
  it('renders a KEDA ScaledObject on the target, between min and max, that validates against the pinned CRD', () => {
    const so = scaledObject(base);
    expect(so.kind).toBe('ScaledObject');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'llama-8b' });
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([1, 4]);
    expect(validateCustomResource(crds, { ...so })).toEqual([]);
  });

  it('scales on the queue depth of the model, from the metric name METRICS holds', () => {
    const so = scaledObject(base);
    expect(so.spec.triggers.map((t) => t.name)).toEqual(['queue-depth']);
    expect(so.spec.triggers[0]!.metadata).toEqual({
      serverAddress: base.prometheus,
      query: `sum(${METRICS.vllm.waiting}{model_name="llama-8b"})`,
      threshold: '5',
    });
  });

  it('adds KV-cache usage and the gateway wake-up trigger when asked, each from METRICS', () => {
    const so = scaledObject({ ...base, min: 0, targetKvCacheUsage: 0.8, wakeOnGatewayRequests: true, target: { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'llama-8b-group' } });
    const byName = Object.fromEntries(so.spec.triggers.map((t) => [t.name, t.metadata]));
    expect(Object.keys(byName)).toEqual(['queue-depth', 'kv-cache-usage', 'gateway-requests']);
    expect(byName['kv-cache-usage']!.query).toBe(`sum(${METRICS.vllm.kvCacheUsage}{model_name="llama-8b"})`);
    expect(byName['kv-cache-usage']!.threshold).toBe('0.8');
    expect(byName['gateway-requests']!.query).toBe(`sum(rate(${METRICS.litellm.requests}{requested_model="llama-8b"}[2m]))`);
    // it only activates from zero, never drives the count
    expect(byName['gateway-requests']!.activationThreshold).toBe('0');
    expect(validateCustomResource(crds, { ...so })).toEqual([]);
  });

  it('takes every metric name from METRICS: none is written in its source', () => {
    const source = readFileSync(join(REPO, 'constructs', 'model-autoscaler.ts'), 'utf8');
    const names = Object.values(METRICS).flatMap((group) => Object.values(group));
    expect(names.filter((n) => n.includes('_') || n.includes(':')).filter((n) => source.includes(n))).toEqual([]);
  });
});

describe('ModelAutoscaler and start-up', () => {
  it('keeps its 15-minute window and 10-minute cooldown for a fast start, and outlasts a slow one', () => {
    const fast = scaledObject({ ...base, min: 0, startupBudgetSeconds: 380 });
    expect(fast.spec.advanced!.horizontalPodAutoscalerConfig!.behavior!.scaleDown!.stabilizationWindowSeconds).toBe(900);
    expect(fast.spec.cooldownPeriod).toBe(600);
    const slow = scaledObject({ ...base, min: 0, startupBudgetSeconds: 1790 });
    expect(slow.spec.advanced!.horizontalPodAutoscalerConfig!.behavior!.scaleDown!.stabilizationWindowSeconds).toBe(1800);
    expect(slow.spec.cooldownPeriod).toBe(1860);
    expect(validateCustomResource(crds, { ...slow })).toEqual([]);
  });

  it('caps the scale-down window at 3600 s, the most the HPA and KEDA 2.20.2 accept, however long the start', () => {
    // keda.sh_scaledobjects.yaml (chart 2.20.2): "StabilizationWindowSeconds must be greater than or equal to zero and
    // less than or equal to 3600 (one hour)"; the HPA API validates the same
    const long = scaledObject({ ...base, min: 0, startupBudgetSeconds: 5000 });
    expect(long.spec.advanced!.horizontalPodAutoscalerConfig!.behavior!.scaleDown!.stabilizationWindowSeconds).toBe(3600);
    expect(scaleInWindowSeconds(3540)).toBe(3540);
    expect(scaleInWindowSeconds(3541)).toBe(3600);
    expect(scaleInWindowSeconds(100_000)).toBe(MAX_STABILIZATION_WINDOW_SECONDS);
    expect(long.spec.cooldownPeriod).toBe(5100); // cooldownPeriod has no upper bound (scale to zero only)
  });
});
