/**
 * Alert rules generated from the environment: per model, per embedding server, per GPU pool, per team, and for
 * the gateway, the edge and the vector store. Each alert has a severity, a summary and a runbook paragraph.
 * Rendered as a PrometheusRule (kube-prometheus-stack) and tested with `promtool check rules` / `test rules`.
 */
import { imagePullSeconds } from '../catalog/startup';
import { METRICS as M } from './metric-names';

export interface AlertSlo {
  readonly errorRatio: number;
  readonly queuePerReplica: number;
  readonly kvCacheUsage: number;
  readonly gpuTemperatureCelsius: number;
  readonly budgetRemainingRatio: number;
  readonly certificateDays: number;
}

export interface AlertInput {
  readonly models: ReadonlyArray<{
    readonly name: string;
    readonly engine: 'vllm' | 'tgi' | 'ollama';
    readonly replicas: number;
    readonly ttftSloSeconds: number;
    /** The StatefulSet that runs it (a multi-node model's LeaderWorkerSet names its leaders' StatefulSet). */
    readonly workload: string;
    /** The autoscaler may take it to zero replicas (autoscaling min 0, dev only). */
    readonly scaleToZero: boolean;
    /** Its planned startup budget (the startup probe's): a pod not Ready for longer starts slowly. @default - no slow-start alert */
    readonly startupBudgetSeconds?: number;
  }>;
  readonly embeddings: ReadonlyArray<{ readonly name: string; readonly replicas: number }>;
  readonly pools: ReadonlyArray<{ readonly name: string; readonly nodes: readonly string[] }>;
  /** Teams with a budget. */
  readonly teams: readonly string[];
  readonly edge?: { readonly certificateFromCertManager: boolean };
  readonly vectorStore?: 'qdrant' | 'pgvector';
  readonly slo: AlertSlo;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly runbook: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

const q = (s: string) => JSON.stringify(s);
/** A regex of node names (dots escaped), for the `node` label our DCGM scrape adds. */
export const nodesRegex = (nodes: readonly string[]) => nodes.map((n) => n.replace(/[.]/g, '\\.')).join('|');

function rule(alert: string, severity: 'critical' | 'warning', expr: string, forDuration: string, labels: Record<string, string>, summary: string, runbook: string): AlertRule {
  return { alert, expr, for: forDuration, labels: { severity, ...labels }, annotations: { summary, runbook } };
}

const down = (namespace: string, service: string) => `absent(${M.prometheus.up}{namespace=${q(namespace)}, service=${q(service)}} == 1)`;

/**
 * Down: no replica answers. A model that scales to zero is down only while a replica is wanted (the StatefulSet's
 * desired replicas, from kube-state-metrics, above zero) and none answers for 15 minutes, the time a woken replica
 * takes to load its cached weights; idle at zero it is silent.
 */
function modelDown(m: AlertInput['models'][number]): { expr: string; for: string } {
  if (!m.scaleToZero) return { expr: down('models', m.name), for: '5m' };
  const wanted = `max(${M.kubeStateMetrics.statefulSetReplicas}{namespace="models", statefulset=${q(m.workload)}}) > 0`;
  return { expr: `${down('models', m.name)} and on() (${wanted})`, for: '15m' };
}

function modelRules(m: AlertInput['models'][number], slo: AlertSlo): AlertRule[] {
  const sel = `model_name=${q(m.name)}`;
  const labels = { model: m.name };
  const isDown = modelDown(m);
  const rules = [
    rule('InferenceModelDown', 'critical', isDown.expr, isDown.for, labels, `Model server ${m.name} is down`,
      `No replica of ${m.name} answers its metrics endpoint${m.scaleToZero ? ' although the autoscaler wants one (it scales to zero when idle, which is not an alert)' : ''}. Check the pods in namespace models (kubectl -n models get pods -l app.kubernetes.io/name=${m.name}): a failing startup probe means the download or load takes longer than its budget (raise startupTimeoutSeconds), OOMKilled means host memory, CrashLoopBackOff the server log. The gateway falls back to the model's fallbacks meanwhile.`),
    rule('InferenceErrorRate', 'critical',
      `sum(rate(${M.litellm.deploymentFailures}{requested_model=${q(m.name)}}[5m])) / sum(rate(${M.litellm.deploymentRequests}{requested_model=${q(m.name)}}[5m])) > ${slo.errorRatio}`,
      '10m', labels, `More than ${slo.errorRatio * 100}% of requests to ${m.name} fail`,
      `The gateway sees failures from ${m.name} (by exception_status on ${M.litellm.deploymentFailures}). 429 or 503 means the server is saturated: add replicas or tensor parallel; 400 means clients send what the server refuses (context too long for maxModelLen); 5xx with restarts points at the server itself.`),
  ];
  if (m.startupBudgetSeconds !== undefined) {
    // Pods of its StatefulSet (<workload>-<ordinal>) or of its LeaderWorkerSet groups (<workload>-<group>[-<worker>]).
    const pods = `${M.kubeStateMetrics.podStatusReady}{namespace="models", condition="true", pod=~${q(`${m.workload}-[0-9]+(-[0-9]+)?`)}}`;
    rules.push(
      // kube_pod_status_ready is 0 from the pod's creation, image pull included: the same pull allowance as the
      // rollout timeouts (constructs/private/server-sizing.ts rolloutTimeouts) before the probe budget starts.
      rule('InferenceModelSlowStart', 'warning', `max by (pod) (${pods}) == 0`, `${m.startupBudgetSeconds + imagePullSeconds(m.engine)}s`, labels,
        `A replica of ${m.name} is not Ready after its planned startup budget (${m.startupBudgetSeconds} s) and image pull (${imagePullSeconds(m.engine)} s)`,
        `The pod has not become Ready within the start-up time the capacity report plans (download + load + compile; inference-stack capacity shows the figures), so the startup probe restarts it and it never serves. kubectl -n models logs <pod> shows whether it still downloads (a per-replica cache: slower than startup.downloadMBps declares), loads or compiles; with a shared cache, check the prefetch Job's log (bytes done and rate) and that the claim is mounted. Declare the real bandwidths under startup:, use cache.mode shared, or raise startupTimeoutSeconds.`),
    );
  }
  if (m.engine === 'vllm') {
    rules.push(
      rule('InferenceKvCacheNearFull', 'warning', `max(${M.vllm.kvCacheUsage}{${sel}}) > ${slo.kvCacheUsage}`, '10m', labels,
        `KV cache of ${m.name} is over ${slo.kvCacheUsage * 100}% full`,
        `vLLM preempts requests when its KV cache is full, which raises latency. Add replicas, use kvCacheDtype fp8, lower maxModelLen, or move the model to a GPU with more memory; the capacity planner shows how many full-length sequences fit.`),
      rule('InferenceQueueGrowing', 'warning', `sum(${M.vllm.waiting}{${sel}}) > ${slo.queuePerReplica * Math.max(1, m.replicas)}`, '10m', labels,
        `More than ${slo.queuePerReplica} requests per replica wait at ${m.name}`,
        `Requests queue faster than ${m.name} serves them. Scale replicas (the pool must have free GPUs), or route part of the traffic to a fallback model.`),
      rule('InferenceTtftOverSlo', 'warning',
        `histogram_quantile(0.95, sum by (le) (rate(${M.vllm.ttftBucket}{${sel}}[5m]))) > ${m.ttftSloSeconds}`, '10m', labels,
        `95th percentile time to first token of ${m.name} is above ${m.ttftSloSeconds}s`,
        `Long prompts, a full queue or a busy GPU delay the first token. Check the queue and KV-cache panels of the model dashboard; add replicas or enable prefix caching for repeated prompts.`),
    );
  } else if (m.engine === 'tgi') {
    rules.push(
      rule('InferenceQueueGrowing', 'warning', `sum(${M.tgi.queue}{namespace="models", service=${q(m.name)}}) > ${slo.queuePerReplica * Math.max(1, m.replicas)}`, '10m', labels,
        `More than ${slo.queuePerReplica} requests per replica wait at ${m.name}`,
        `Requests queue faster than ${m.name} (TGI) serves them. Scale replicas or route part of the traffic to a fallback model.`),
    );
  }
  return rules;
}

export function alertRules(i: AlertInput): RuleGroup[] {
  const groups: RuleGroup[] = [];
  const models = i.models.filter((m) => m.engine !== 'ollama');
  if (models.length > 0) groups.push({ name: 'inference-models', rules: models.flatMap((m) => modelRules(m, i.slo)) });
  if (i.embeddings.length > 0) {
    groups.push({
      name: 'inference-embeddings',
      rules: i.embeddings.flatMap((e) => [
        rule('EmbeddingServerDown', 'critical', down('models', e.name), '5m', { model: e.name }, `Embedding server ${e.name} is down`,
          `No replica of ${e.name} (TEI) answers. Ingestion into the vector store and retrieval stop. Check its pods in namespace models.`),
        rule('EmbeddingQueueGrowing', 'warning', `sum(${M.tei.queue}{namespace="models", service=${q(e.name)}}) > ${i.slo.queuePerReplica * Math.max(1, e.replicas)}`, '10m', { model: e.name },
          `More than ${i.slo.queuePerReplica} requests per replica wait at ${e.name}`,
          `Embedding requests queue (a bulk ingestion, usually). Add replicas or pace the ingestion.`),
      ]),
    });
  }
  if (i.pools.length > 0) {
    groups.push({
      name: 'inference-gpus',
      rules: i.pools.flatMap((p) => {
        const sel = `node=~${q(nodesRegex(p.nodes))}`;
        const labels = { pool: p.name };
        return [
          // DCGM_FI_DEV_XID_ERRORS holds the last XID code until the next one: alert on a new code (a change to a
          // non-zero value within 10 minutes), so the alert clears; the value stays the code.
          rule('GpuXidError', 'critical', `max by (node, gpu) (${M.dcgm.xidErrors}{${sel}} > 0 and changes(${M.dcgm.xidErrors}{${sel}}[10m]) > 0)`, '0m', labels, `A GPU of pool ${p.name} reported an XID error`,
            `The driver reported a new XID error in the last 10 minutes (the value is the XID code; the alert clears 10 minutes after the last new one, and a repeat of the same code is not seen as new: check dmesg). 48, 63, 64, 74, 79 and 94/95 mean the GPU needs attention: drain the node (kubectl drain), reset or replace the GPU. Others are often application faults; check the model server on that node.`),
          rule('GpuUncorrectableMemoryErrors', 'critical', `max by (node, gpu) (${M.dcgm.rowRemapFailure}{${sel}}) > 0 or max by (node, gpu) (increase(${M.dcgm.uncorrectableRemappedRows}{${sel}}[1h])) > 0`, '0m', labels,
            `A GPU of pool ${p.name} has uncorrectable memory (ECC) errors`,
            `Rows of GPU memory were remapped after uncorrectable ECC errors, or remapping failed. Drain the node and reset the GPU; a failed remapping means the GPU must be replaced.`),
          rule('GpuTemperatureHigh', 'warning', `max by (node, gpu) (${M.dcgm.temperature}{${sel}}) > ${i.slo.gpuTemperatureCelsius}`, '10m', labels,
            `A GPU of pool ${p.name} runs above ${i.slo.gpuTemperatureCelsius} degrees C`,
            `Hot GPUs throttle their clocks. Check the node's cooling and airflow, and that the GPU's power limit is as configured.`),
        ];
      }),
    });
  }
  const gateway: AlertRule[] = [
    rule('GatewayDown', 'critical', down('gateway', 'litellm'), '5m', {}, 'The LiteLLM gateway is down',
      'No gateway replica answers: every client request fails. Check the pods in namespace gateway, and its database (litellm-db) whose readiness the gateway needs.'),
    rule('GatewayErrorRate', 'critical',
      `sum(rate(${M.litellm.failedRequests}[5m])) / sum(rate(${M.litellm.requests}[5m])) > ${i.slo.errorRatio}`, '10m', {},
      `More than ${i.slo.errorRatio * 100}% of requests fail at the gateway`,
      'Failures by exception_status tell the cause: 401/403 keys, 429 budgets or rate limits, 5xx the model servers.'),
    ...i.teams.map((t) =>
      rule('GatewayBudgetNearlyExhausted', 'warning',
        `min(${M.litellm.teamBudgetRemaining}{team_alias=${q(t)}}) / min(${M.litellm.teamBudgetMax}{team_alias=${q(t)}}) < ${i.slo.budgetRemainingRatio}`, '15m', { team: t },
        `Team ${t} has less than ${i.slo.budgetRemainingRatio * 100}% of its budget left`,
        `When the budget runs out the gateway refuses the team's requests until the budget period resets. Raise maxBudget in the environment (and deploy), or ask the team to slow down.`)),
  ];
  groups.push({ name: 'inference-gateway', rules: gateway });
  if (i.edge) {
    const edge = [
      rule('EdgeDown', 'critical', down('edge', 'edge-internal'), '5m', {}, 'The edge proxy is down',
        'No Caddy replica answers: clients cannot reach the gateway. Check the pods in namespace edge; a bad TLS Secret or client CA bundle stops Caddy at start.'),
    ];
    if (i.edge.certificateFromCertManager) {
      edge.push(
        rule('EdgeCertificateExpiring', 'warning',
          `${M.certManager.expiration}{namespace="edge", name="edge-tls"} - time() < ${i.slo.certificateDays * 86400}`, '15m', {},
          `The edge certificate expires in less than ${i.slo.certificateDays} days`,
          'cert-manager renews certificates well before expiry; one this close to it failed to renew. kubectl -n edge describe certificate edge-tls tells why (issuer, DNS, rate limits).'),
        // Without the series the expiry alert cannot fire: say so instead of staying silent.
        rule('EdgeCertificateExpiryUnknown', 'warning', `absent(${M.certManager.expiration}{namespace="edge", name="edge-tls"})`, '15m', {},
          'No expiry is known for the edge certificate',
          'Prometheus has no certmanager_certificate_expiration_timestamp_seconds for edge/edge-tls, so EdgeCertificateExpiring cannot fire. Check that the cert-manager ServiceMonitor (namespace cert-manager) is up in Prometheus targets and that the Certificate edge-tls exists (kubectl -n edge get certificate).'),
      );
    }
    groups.push({ name: 'inference-edge', rules: edge });
  }
  if (i.vectorStore) {
    groups.push({
      name: 'inference-rag',
      rules: [
        rule('VectorStoreDown', 'critical', `absent(${M.prometheus.up}{namespace="rag"} == 1)`, '5m', { store: i.vectorStore }, `The vector store (${i.vectorStore}) is down`,
          'No replica of the vector store answers: retrieval fails. Check the pods and volumes in namespace rag.'),
      ],
    });
  }
  return groups;
}
