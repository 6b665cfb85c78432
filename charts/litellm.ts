/**
 * Typed values for LiteLLM's chart (pinned in `CHARTS.litellm`) and the proxy config inside them.
 * No secret is ever a value here: the master key, the database password and provider keys reach the pods as
 * environment variables from existing Secrets, and the config names them as `os.environ/<VAR>`.
 */
import type { ImagePin } from '../catalog/images';
import { restrictedContainerSecurity, restrictedPodSecurity, spreadOverNodes } from './pod-security';

export const LITELLM_PORT = 4000;

/** One entry of the gateway's model list. */
export interface GatewayRoute {
  /** Name clients ask for. */
  readonly name: string;
  /** LiteLLM's provider/model string, e.g. `hosted_vllm/llama-8b`. */
  readonly model: string;
  readonly apiBase?: string;
  /** Env var holding the provider key, read by LiteLLM as `os.environ/<VAR>`. */
  readonly apiKeyEnv?: string;
  readonly mode: 'chat' | 'embedding';
  /**
   * What a token costs (USD), for LiteLLM's spend tracking, team and key budgets and its spend metric: written as
   * `model_info.input_cost_per_token` / `output_cost_per_token` (docs/proxy/custom_pricing.md). @default - none
   * (LiteLLM's own price list, which has no price for a self-hosted model)
   */
  readonly cost?: RouteCost;
}

/** Per-token prices of a route, USD (never both 0: LiteLLM skips the budget checks of such a model). */
export interface RouteCost {
  readonly inputCostPerToken: number;
  readonly outputCostPerToken: number;
}

/**
 * A PII guardrail in LiteLLM's terms: its Presidio guardrail (litellm/types/guardrails.py), run before the call on
 * the request (`presidio_filter_scope: input`), on every request (`default_on`).
 */
export interface LiteLlmPiiGuardrail {
  readonly name: string;
  readonly entities: readonly string[];
  readonly action: 'mask' | 'block';
}

/** The `guardrails:` entries of LiteLLM's config for the PII guardrails. */
export function guardrailsConfig(guardrails: readonly LiteLlmPiiGuardrail[]): object[] {
  return guardrails.map((g) => ({
    guardrail_name: g.name,
    litellm_params: {
      guardrail: 'presidio',
      mode: 'pre_call',
      // Every request: the pinned proxy (v1.81.9) merges a model's litellm_params.guardrails only on post_call
      // paths (LiteLLM #29652, fixed after v1.87), so a pre_call guardrail named on a model would never run; and
      // /v1/messages skips model-level guardrails even after that fix (#36085). default_on reaches every call.
      default_on: true,
      // The entities are the analyzer's English ones (environments/guardrail-checks.ts).
      presidio_language: 'en',
      // The prompt only: the answer comes back into the cluster.
      presidio_filter_scope: 'input',
      pii_entities_config: Object.fromEntries(g.entities.map((e) => [e, g.action === 'block' ? 'BLOCK' : 'MASK'])),
    },
  }));
}

/** The env var the gateway reads a hosted model's API key from (environments/front-door-checks.ts keeps them unique). */
export const hostedKeyEnvName = (name: string): string => `HOSTED_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;

export interface SecretEnv {
  readonly name: string;
  readonly secret: { readonly name: string; readonly key: string };
}

/** LiteLLM's tracing callbacks we configure (upstream callback values: `langfuse`, `otel`). */
export type TracingCallback = 'langfuse' | 'otel';

/** What the gateway reports beyond its metrics: traces, JSON logs, and whether prompts and responses go with them. */
export interface LiteLlmTelemetry {
  /** Callbacks that receive every request's standard logging payload (team, key alias, model, tokens, latency, cost). */
  readonly callbacks: readonly TracingCallback[];
  /** Logs as JSON lines on stdout (`litellm_settings.json_logs`), for the log shipper. */
  readonly jsonLogs: boolean;
  /** Prompts and responses in traces and logs; false sets `turn_off_message_logging`. */
  readonly logPromptBodies: boolean;
  /**
   * One JSON audit line per request on stdout: the callback file (`audit_log.py`, key of this ConfigMap) mounted
   * beside the config and registered in `litellm_settings.callbacks`. @default - none
   */
  readonly auditLog?: { readonly configMapName: string };
}

/** Where the chart's container reads its config: `--config /etc/litellm/config.yaml` (templates/deployment.yaml). */
export const LITELLM_CONFIG_DIR = '/etc/litellm';

/**
 * The audit callback as LiteLLM names it, `<module>.<instance>`: the proxy loads `<config dir>/<module>.py` and takes
 * its attribute `<instance>` (get_instance_fn, litellm/proxy/types_utils/utils.py).
 */
export const AUDIT_CALLBACK = { module: 'audit_log', instance: 'audit_logger', file: 'audit_log.py' } as const;

/** A plain environment variable of the gateway (no secret: those are SecretEnv). */
export interface PlainEnv {
  readonly name: string;
  readonly value: string;
}

export interface LiteLlmValuesOptions {
  readonly replicas: number;
  readonly image: ImagePin;
  /** Existing Secret with the master key. */
  readonly masterKeySecret: { readonly name: string; readonly key: string };
  /** Postgres: host, database, and the Secret with `username` and `password`. */
  readonly database: { readonly host: string; readonly name: string; readonly secretName: string };
  readonly routes: readonly GatewayRoute[];
  /** Model -> the models tried, in order, when it fails. */
  readonly fallbacks: Readonly<Record<string, readonly string[]>>;
  readonly numRetries: number;
  readonly timeoutSeconds: number;
  /** Provider keys, from Secrets. */
  readonly secretEnv: readonly SecretEnv[];
  /** UID the proxy runs as (the non-root image's `nobody`). */
  readonly uid: number;
  /** PII guardrails (Presidio). @default - none */
  readonly guardrails?: readonly LiteLlmPiiGuardrail[];
  /** Traces and logs. @default - metrics only, no message logging */
  readonly telemetry?: LiteLlmTelemetry;
  /** Plain env vars (no secrets: the Presidio Services' addresses, tracing endpoints). @default - none */
  readonly env?: readonly PlainEnv[];
}

/** LiteLLM's proxy config (config.yaml) for the routes and fallbacks. */
export function proxyConfig(o: Pick<LiteLlmValuesOptions, 'routes' | 'fallbacks' | 'numRetries' | 'timeoutSeconds' | 'guardrails' | 'telemetry'>): object {
  const t = o.telemetry;
  return {
    ...(o.guardrails && o.guardrails.length > 0 ? { guardrails: guardrailsConfig(o.guardrails) } : {}),
    model_list: o.routes.map((r) => ({
      model_name: r.name,
      litellm_params: {
        model: r.model,
        ...(r.apiBase ? { api_base: r.apiBase } : {}),
        ...(r.apiKeyEnv ? { api_key: `os.environ/${r.apiKeyEnv}` } : {}),
        // Drop OpenAI parameters a backend does not take instead of failing the request.
        drop_params: true,
      },
      model_info: {
        mode: r.mode,
        // Custom prices: LiteLLM counts spend (and enforces budgets) with them instead of its price list.
        ...(r.cost ? { input_cost_per_token: r.cost.inputCostPerToken, output_cost_per_token: r.cost.outputCostPerToken } : {}),
      },
    })),
    general_settings: { master_key: 'os.environ/PROXY_MASTER_KEY' },
    litellm_settings: {
      // Prometheus metrics on the proxy port at /metrics (open source since late 2025).
      // Tracing callbacks (success and failure) get LiteLLM's standard logging payload of each request.
      callbacks: ['prometheus', ...(t?.callbacks ?? []), ...(t?.auditLog ? [`${AUDIT_CALLBACK.module}.${AUDIT_CALLBACK.instance}`] : [])],
      request_timeout: o.timeoutSeconds,
      // Prompts and responses stay out of every callback and log unless the environment asks for them.
      turn_off_message_logging: !(t?.logPromptBodies ?? false),
      ...(t?.jsonLogs ? { json_logs: true } : {}),
    },
    router_settings: {
      num_retries: o.numRetries,
      timeout: o.timeoutSeconds,
      fallbacks: Object.keys(o.fallbacks)
        .sort()
        .map((name) => ({ [name]: [...o.fallbacks[name]!] })),
    },
  };
}

/** The audit callback's env, volume and mount (none without `telemetry.auditLog`). */
function auditLogValues(o: LiteLlmValuesOptions): { env: PlainEnv[]; volumes: object[]; volumeMounts: object[] } {
  const audit = o.telemetry?.auditLog;
  if (!audit) return { env: [], volumes: [], volumeMounts: [] };
  return {
    env: [
      { name: 'AUDIT_LOG_PROMPT_BODIES', value: String(o.telemetry?.logPromptBodies ?? false) },
      // Routes without a provider key are the in-cluster servers: the record's `deployment: self-hosted`.
      { name: 'AUDIT_SELF_HOSTED_MODEL_GROUPS', value: JSON.stringify(o.routes.filter((r) => r.apiKeyEnv === undefined).map((r) => r.name)) },
    ],
    volumes: [{ name: 'audit-callback', configMap: { name: audit.configMapName, items: [{ key: AUDIT_CALLBACK.file, path: AUDIT_CALLBACK.file }] } }],
    // subPath: the chart mounts config.yaml alone into the same directory.
    volumeMounts: [{ name: 'audit-callback', mountPath: `${LITELLM_CONFIG_DIR}/${AUDIT_CALLBACK.file}`, subPath: AUDIT_CALLBACK.file, readOnly: true }],
  };
}

export function liteLlmValues(o: LiteLlmValuesOptions): object {
  const selector = { 'app.kubernetes.io/name': 'litellm' };
  const audit = auditLogValues(o);
  return {
    replicaCount: o.replicas,
    image: { repository: o.image.repository, tag: o.image.tag, pullPolicy: 'IfNotPresent' },
    masterkeySecretName: o.masterKeySecret.name,
    masterkeySecretKey: o.masterKeySecret.key,
    db: {
      useExisting: true,
      deployStandalone: false,
      endpoint: o.database.host,
      database: o.database.name,
      secret: { name: o.database.secretName, usernameKey: 'username', passwordKey: 'password' },
    },
    proxy_config: proxyConfig(o),
    extraEnvVars: [
      ...o.secretEnv.map((e) => ({ name: e.name, valueFrom: { secretKeyRef: { name: e.secret.name, key: e.secret.key } } })),
      ...[...(o.env ?? []), ...audit.env].map((e) => ({ name: e.name, value: e.value })),
    ],
    ...(audit.volumes.length > 0 ? { volumes: audit.volumes, volumeMounts: audit.volumeMounts } : {}),
    serviceAccount: { create: true, automount: false },
    podSecurityContext: restrictedPodSecurity({ runAsUser: o.uid, runAsGroup: o.uid, fsGroup: o.uid }),
    // The chart's migration Job copies only this container-level context (templates/migrations-job.yaml), and the
    // image's USER is the name `nobody`: without a numeric runAsUser here the kubelet refuses to start the hook.
    securityContext: restrictedContainerSecurity({ runAs: { user: o.uid, group: o.uid }, privileged: false }),
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
    service: { type: 'ClusterIP', port: LITELLM_PORT },
    pdb: { enabled: o.replicas > 1, maxUnavailable: 1 },
    topologySpreadConstraints:
      o.replicas > 1
        ? [spreadOverNodes(selector, true)]
        : [],
    migrationJob: {
      enabled: true,
      // Retries (10 s, 20 s, ... up to 6 min apart) outlast the release's 900 s wait: the hook may start before a
      // fresh CloudNativePG cluster accepts connections; the chart's default 4 gives up after about 5 min.
      backoffLimit: 8,
      hooks: { helm: { enabled: true }, argocd: { enabled: false } },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    },
    logLevel: 'INFO',
  };
}
