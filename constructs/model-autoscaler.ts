import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { IScaleTriggers } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaleTriggers';
import { MAX_STABILIZATION_WINDOW_SECONDS } from '../catalog/startup';
import { METRICS } from '../observability/metric-names';
import { Manifest } from '../lib/bindings';
import { Construct } from '../lib/cdktf';

export interface ModelAutoscalerProps {
  /** The model server (its served model name). */
  readonly model: string;
  readonly namespace: string;
  /** What to scale: the StatefulSet, or the LeaderWorkerSet of a multi-node server. */
  readonly target: { readonly apiVersion: string; readonly kind: 'StatefulSet' | 'LeaderWorkerSet'; readonly name: string };
  readonly min: number;
  readonly max: number;
  /** Waiting requests per replica that trigger a scale-out. */
  readonly targetQueueDepth: number;
  /** KV-cache usage per replica (0-1) that triggers a scale-out. @default - not used */
  readonly targetKvCacheUsage?: number;
  /** Prometheus' in-cluster address. */
  readonly prometheus: string;
  /**
   * Scale from zero on requests for the model at the gateway (which it counts even while no server answers).
   * @default false
   */
  readonly wakeOnGatewayRequests?: boolean;
  /**
   * The server's startup budget (the longest a replica may take to become Ready, at least its planned warm start):
   * the scale-in stabilisation window is at least this long (up to its 3600 s maximum), so a demand dip shorter than a
   * start does not remove a replica; the cooldown to zero (scale to zero only) is longer than it.
   * @default 0 (the fixed 900 s window and 600 s cooldown)
   */
  readonly startupBudgetSeconds?: number;
}

// A startup budget longer than MAX_STABILIZATION_WINDOW_SECONDS (catalog/startup.ts) is warned about by the
// environment checks (environments/startup-checks.ts): the autoscaler may then remove a replica still loading.
export { MAX_STABILIZATION_WINDOW_SECONDS };

/** Seconds of the HPA's scale-down stabilisation window: 15 minutes, or the startup budget when longer, at most an hour. */
export function scaleInWindowSeconds(startupBudgetSeconds = 0): number {
  return Math.min(MAX_STABILIZATION_WINDOW_SECONDS, Math.max(900, Math.ceil(startupBudgetSeconds / 60) * 60));
}

/**
 * KEDA's cooldown before scaling to zero (it applies only to the last replica going to zero, not to scaling in
 * between min and max): 10 minutes, or longer than the startup budget (plus a minute).
 */
export function cooldownSeconds(startupBudgetSeconds = 0): number {
  return Math.max(600, Math.ceil(startupBudgetSeconds / 60) * 60 + 60);
}

/**
 * Scales a model server with demand: a KEDA ScaledObject on vLLM's queue depth (and, optionally, KV-cache usage)
 * from Prometheus, between min and max replicas (min 0 only in dev: scale to zero).
 */
export class ModelAutoscaler extends Construct {
  readonly manifest: Manifest;
  /** The manifest as rendered (typed inside by the kubernetes-models type, a dev dependency, so not in the public declarations). */
  readonly body: object;

  constructor(scope: Construct, id: string, p: ModelAutoscalerProps) {
    super(scope, id);
    const sel = `model_name="${p.model}"`;
    const trigger = (name: string, query: string, threshold: number, activation?: number): IScaleTriggers => ({
      type: 'prometheus',
      name,
      metadata: { serverAddress: p.prometheus, query, threshold: String(threshold), ...(activation !== undefined ? { activationThreshold: String(activation) } : {}) },
    });
    const body: IScaledObject = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: p.model, namespace: p.namespace, labels: { 'app.kubernetes.io/managed-by': 'inference-stack' } },
      spec: {
        scaleTargetRef: { apiVersion: p.target.apiVersion, kind: p.target.kind, name: p.target.name },
        minReplicaCount: p.min,
        maxReplicaCount: p.max,
        pollingInterval: 15,
        // A model takes minutes to load: scale in slowly, so a dip does not throw away a warm replica. KEDA and the HPA
        // cannot choose which pod goes, so the scale-down window outlasts a start (up to the HPA's one-hour maximum):
        // a dip shorter than a start does not take a replica. cooldownPeriod only delays the step to zero replicas.
        cooldownPeriod: cooldownSeconds(p.startupBudgetSeconds),
        advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: scaleInWindowSeconds(p.startupBudgetSeconds), policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] } } } },
        triggers: [
          // average waiting requests per replica (KEDA divides the sum by replicas for AverageValue)
          trigger('queue-depth', `sum(${METRICS.vllm.waiting}{${sel}})`, p.targetQueueDepth),
          ...(p.targetKvCacheUsage !== undefined ? [trigger('kv-cache-usage', `sum(${METRICS.vllm.kvCacheUsage}{${sel}})`, p.targetKvCacheUsage)] : []),
          // any request for the model in the last two minutes activates it (threshold high: it never drives the count)
          ...(p.wakeOnGatewayRequests
            ? [trigger('gateway-requests', `sum(rate(${METRICS.litellm.requests}{requested_model="${p.model}"}[2m]))`, 1_000_000, 0)]
            : []),
        ],
      },
    };
    this.body = body;
    this.manifest = new Manifest(this, 'scaledobject', { manifest: body });
  }
}
