import { readFileSync } from 'node:fs';
import { CHARTS } from '../charts/pins';
import { projectPath } from '../lib/project-root';
import { AUDIT_CALLBACK, LITELLM_PORT, hostedKeyEnvName, liteLlmValues, type GatewayRoute, type LiteLlmPiiGuardrail, type LiteLlmValuesOptions, type PlainEnv, type RouteCost, type SecretEnv, type TracingCallback } from '../charts/litellm';
import { imageRef, type ImagePin } from '../catalog/images';
import type { IModelServer, SecretKeyRef } from './llm-server-props';
import { ConfigMapV1, type JobV1, type Release } from '../lib/bindings';
import { terraformLiteralData } from '../lib/terraform-literal';
import { Construct, type ITerraformDependable } from '../lib/cdktf';
import { pinnedRelease } from './private/pinned-release';
import { ConstructPropsError } from './props-error';
import { scriptJob } from './private/script-job';

/** Limits of a team or key, in LiteLLM's terms. */
export interface GatewayLimits {
  /** Spend limit in USD. @default - none */
  readonly maxBudget?: number;
  /** Period after which the spend resets, e.g. `30d`. @default - never */
  readonly budgetDuration?: string;
  /** Requests per minute. @default - none */
  readonly rpmLimit?: number;
  /** Tokens per minute. @default - none */
  readonly tpmLimit?: number;
  /** Models it may call; all when empty. */
  readonly models: readonly string[];
}

export interface GatewayKey extends GatewayLimits {
  readonly name: string;
  /** Existing Secret holding the key value (`sk-...`). */
  readonly secret: SecretKeyRef;
}

export interface GatewayTeam extends GatewayLimits {
  readonly name: string;
  readonly keys: readonly GatewayKey[];
}

/** A server in the cluster the gateway routes to, by its engine. */
export interface GatewayServer {
  /** Name clients ask for (the server's name). */
  readonly name: string;
  readonly engine: 'vllm' | 'tgi' | 'ollama' | 'tei';
  /** The server's base URL (`http://<service>:<port>`). */
  readonly url: string;
  /** Ollama: the model in Ollama's library. @default - the server's name */
  readonly ollamaTag?: string;
  /** Per-token prices (USD) the gateway counts spend and budgets with. @default - none (counted as free) */
  readonly cost?: RouteCost;
}

/** A server object (IModelServer) as the gateway's entry: its served model name, engine and in-cluster URL. */
export function gatewayServer(s: GatewayServer | IModelServer): GatewayServer {
  if (!('servedModelName' in s)) return s;
  return { name: s.servedModelName, engine: s.engine, url: s.url, ...(s.ollamaTag !== undefined ? { ollamaTag: s.ollamaTag } : {}) };
}

/** A hosted API the gateway routes to, its key from an existing Secret. */
export interface GatewayHostedModel {
  readonly name: string;
  readonly provider: 'openai' | 'anthropic' | 'azure' | 'openai-compatible';
  readonly model: string;
  /** The API's base URL. @default - the provider's own endpoint */
  readonly apiBase?: string;
  readonly apiKeySecret: SecretKeyRef;
  /** Per-token prices (USD), where you declare the provider's list price. @default - LiteLLM's own price list */
  readonly cost?: RouteCost;
}

/** The gateway's model list in LiteLLM's terms: provider strings, API bases, provider keys as env vars. */
export function gatewayRoutes(servers: readonly GatewayServer[], hosted: readonly GatewayHostedModel[]): { routes: GatewayRoute[]; secretEnv: SecretEnv[] } {
  const routes: GatewayRoute[] = servers.map((s) =>
    s.engine === 'ollama'
      ? { name: s.name, model: `ollama_chat/${s.ollamaTag ?? s.name}`, apiBase: s.url, mode: 'chat', ...(s.cost ? { cost: s.cost } : {}) }
      : // vLLM and TGI both speak the OpenAI API under /v1. TEI serves OpenAI's /v1/embeddings itself
        // (router/src/http/server.rs), under its --served-model-name (the server's name). Not LiteLLM's
        // huggingface/ provider: it calls the Hugging Face Hub on every request.
        { name: s.name, model: `hosted_vllm/${s.name}`, apiBase: `${s.url}/v1`, mode: s.engine === 'tei' ? 'embedding' : 'chat', ...(s.cost ? { cost: s.cost } : {}) },
  );
  const secretEnv: SecretEnv[] = [];
  for (const h of hosted) {
    const prefix = h.provider === 'openai-compatible' ? 'openai' : h.provider;
    routes.push({ name: h.name, model: `${prefix}/${h.model}`, apiBase: h.apiBase, apiKeyEnv: hostedKeyEnvName(h.name), mode: 'chat', ...(h.cost ? { cost: h.cost } : {}) });
    secretEnv.push({ name: hostedKeyEnvName(h.name), secret: h.apiKeySecret });
  }
  return { routes, secretEnv };
}

/** A PII guardrail of the gateway (LiteLLM's Presidio guardrail). */
export interface GatewayPiiGuardrail {
  readonly name: string;
  /** Presidio entities, e.g. `PERSON`, `EMAIL_ADDRESS`. */
  readonly entities: readonly string[];
  /** `mask` replaces each entity with its type; `block` refuses the request. */
  readonly action: 'mask' | 'block';
  /**
   * `hosted`: the hosted models and the models whose fallbacks reach one; `all`: every request. With the pinned
   * LiteLLM both run on every request (`default_on`): it ignores model-level guardrails before the call (LiteLLM
   * #29652), so no narrower scope can be rendered that runs.
   */
  readonly appliesTo: 'hosted' | 'all';
}

/** Where the gateway sends a trace of every request. */
export type GatewayTracing =
  | {
      readonly type: 'langfuse';
      /** The Langfuse server's base URL (https). */
      readonly host: string;
      readonly publicKeySecret: SecretKeyRef;
      readonly secretKeySecret: SecretKeyRef;
    }
  | {
      readonly type: 'otel';
      /** The collector's OTLP endpoint. */
      readonly endpoint: string;
      readonly protocol: 'http/protobuf' | 'grpc';
      /** OTLP headers (`key=value,...`), e.g. an authorization header. @default - none */
      readonly headersSecret?: SecretKeyRef;
      /** The `deployment.environment` of the spans. */
      readonly environment: string;
    };

/** The service name of the gateway's spans. */
export const GATEWAY_OTEL_SERVICE_NAME = 'litellm-gateway';

/**
 * LiteLLM's callback and environment for a tracing backend, keys only as Secret references. `langfuse` is the
 * Langfuse SDK callback (POST <host>/api/public/ingestion), read by every LiteLLM version through LANGFUSE_HOST;
 * `otel` is LiteLLM's OpenTelemetry callback (OpenTelemetryConfig.from_env()).
 */
export function tracingSettings(t: GatewayTracing): { callbacks: TracingCallback[]; env: PlainEnv[]; secretEnv: SecretEnv[] } {
  if (t.type === 'langfuse') {
    return {
      callbacks: ['langfuse'],
      env: [{ name: 'LANGFUSE_HOST', value: t.host }],
      secretEnv: [
        { name: 'LANGFUSE_PUBLIC_KEY', secret: t.publicKeySecret },
        { name: 'LANGFUSE_SECRET_KEY', secret: t.secretKeySecret },
      ],
    };
  }
  return {
    callbacks: ['otel'],
    env: [
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: t.endpoint },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: t.protocol },
      { name: 'OTEL_SERVICE_NAME', value: GATEWAY_OTEL_SERVICE_NAME },
      { name: 'OTEL_ENVIRONMENT_NAME', value: t.environment },
    ],
    secretEnv: t.headersSecret ? [{ name: 'OTEL_EXPORTER_OTLP_HEADERS', secret: t.headersSecret }] : [],
  };
}

/** The chart's options (replicas, master key, database, fallbacks, retries), the servers and hosted APIs, and the rest. */
export interface LiteLlmGatewayProps extends Omit<LiteLlmValuesOptions, 'image' | 'uid' | 'routes' | 'secretEnv' | 'guardrails' | 'telemetry' | 'env'> {
  readonly namespace: string;
  /**
   * The model and embedding servers in the cluster, in the order of the model list: server constructs
   * (VllmServer, TgiServer, OllamaServer, MultiNodeVllmServer, TeiEmbeddingServer), or plain entries.
   */
  readonly servers: readonly (GatewayServer | IModelServer)[];
  /** Hosted APIs, after the servers. @default - none */
  readonly hostedModels?: readonly GatewayHostedModel[];
  /** @default - the pinned non-root LiteLLM image */
  readonly image?: ImagePin;
  readonly teams: readonly GatewayTeam[];
  /** PII guardrails; they need `presidio`. @default - none */
  readonly guardrails?: readonly GatewayPiiGuardrail[];
  /** Base URLs of the Presidio analyzer and anonymizer (`http://host:port`), for the PII guardrails. @default - none */
  readonly presidio?: { readonly analyzerUrl: string; readonly anonymizerUrl: string };
  /** What must exist before the release (its database). @default - none */
  readonly dependsOn?: ITerraformDependable[];
  /** A trace of every request to Langfuse or an OpenTelemetry collector. @default - none */
  readonly tracing?: GatewayTracing;
  /** Logs as JSON lines (for a log shipper). @default false */
  readonly jsonLogs?: boolean;
  /** Prompts and responses in traces and logs. @default false */
  readonly logPromptBodies?: boolean;
  /** One JSON audit record per request on stdout (constructs/assets/litellm-audit-log.py), for a log shipper. @default false */
  readonly auditLog?: boolean;
}

/**
 * LiteLLM's image without root (`nobody`, UID 65534), at the release whose metrics and config keys we test
 * against. Tag format as in LiteLLM's release notes (`main-v1.81.9-stable`).
 */
export const LITELLM_IMAGE: ImagePin = { repository: 'ghcr.io/berriai/litellm-non_root', tag: 'main-v1.81.9-stable' };
export const LITELLM_UID = 65534;
/** Release name; the chart names its Service after it. */
export const LITELLM_RELEASE = 'litellm';

/** The port the gateway serves (and is scraped) on. */
export const GATEWAY_PORT = LITELLM_PORT;

/** In-cluster address of the gateway in a namespace, `host:port`. */
export function gatewayAddress(namespace: string): string {
  return `${LITELLM_RELEASE}.${namespace}.svc.cluster.local:${LITELLM_PORT}`;
}

const AUDIT_CALLBACK_SOURCE = readFileSync(projectPath('constructs', 'assets', 'litellm-audit-log.py'), 'utf8');
const BOOTSTRAP_SCRIPT = readFileSync(projectPath('constructs', 'assets', 'litellm-bootstrap.py'), 'utf8');

/** The bootstrap spec: teams, keys and limits in LiteLLM's field names, key values only as env var names. */
export function bootstrapSpec(teams: readonly GatewayTeam[]): { spec: object; keyEnv: Array<{ env: string; secret: SecretKeyRef }> } {
  const keyEnv: Array<{ env: string; secret: SecretKeyRef }> = [];
  const limits = (l: GatewayLimits) => ({
    ...(l.maxBudget !== undefined ? { max_budget: l.maxBudget } : {}),
    ...(l.budgetDuration !== undefined ? { budget_duration: l.budgetDuration } : {}),
    ...(l.rpmLimit !== undefined ? { rpm_limit: l.rpmLimit } : {}),
    ...(l.tpmLimit !== undefined ? { tpm_limit: l.tpmLimit } : {}),
    ...(l.models.length > 0 ? { models: [...l.models] } : {}),
  });
  const spec = {
    teams: teams.map((t) => ({
      team_id: t.name,
      ...limits(t),
      keys: t.keys.map((k) => {
        const env = `KEY_${keyEnv.length}`;
        keyEnv.push({ env, secret: k.secret });
        return { key_alias: k.name, env, ...limits(k) };
      }),
    })),
  };
  return { spec, keyEnv };
}

/**
 * The LiteLLM gateway: the pinned chart with a model list generated from the environment, fallbacks, a
 * Postgres for keys and spend, and a bootstrap Job that applies teams, keys, budgets and rate limits through the
 * management API, idempotently, on every change.
 */
export class LiteLlmGateway extends Construct {
  readonly release: Release;
  readonly bootstrap?: JobV1;
  readonly port = LITELLM_PORT;
  /** Labels of the gateway pods (for NetworkPolicies). */
  readonly podLabels = { 'app.kubernetes.io/name': 'litellm' } as const;

  constructor(scope: Construct, id: string, props: LiteLlmGatewayProps) {
    super(scope, id);
    const image = props.image ?? LITELLM_IMAGE;
    const { servers, hostedModels, guardrails = [], presidio, tracing, jsonLogs, logPromptBodies, auditLog, ...options } = props;
    const { routes, secretEnv } = gatewayRoutes(servers.map(gatewayServer), hostedModels ?? []);
    if (guardrails.length > 0 && !presidio) throw new ConstructPropsError(this, 'LiteLlmGateway', 'presidio', 'missing: PII guardrails need Presidio; pass presidio: { analyzerUrl, anonymizerUrl } (the urls of a PresidioGuardrail)');
    const piiGuardrails: LiteLlmPiiGuardrail[] = guardrails.map((g) => ({ name: g.name, entities: g.entities, action: g.action }));
    // LiteLLM appends "/" and calls <base>analyze and <base>anonymize (guardrail_hooks/presidio.py).
    const presidioEnv: PlainEnv[] = presidio && guardrails.length > 0 ? [{ name: 'PRESIDIO_ANALYZER_API_BASE', value: presidio.analyzerUrl }, { name: 'PRESIDIO_ANONYMIZER_API_BASE', value: presidio.anonymizerUrl }] : [];
    const traces = tracing ? tracingSettings(tracing) : { callbacks: [], env: [], secretEnv: [] };
    // The per-request audit callback, mounted by the release (a plain name in the values; depends_on orders them).
    const auditMapName = `${LITELLM_RELEASE}-audit-callback`;
    const auditMap = auditLog
      ? new ConfigMapV1(this, 'audit-callback', { metadata: { name: auditMapName, namespace: props.namespace }, data: terraformLiteralData({ [AUDIT_CALLBACK.file]: AUDIT_CALLBACK_SOURCE }) })
      : undefined;
    const telemetry = { callbacks: traces.callbacks, jsonLogs: jsonLogs ?? false, logPromptBodies: logPromptBodies ?? false, ...(auditMap ? { auditLog: { configMapName: auditMapName } } : {}) };
    this.release = pinnedRelease(this, 'release', {
      name: LITELLM_RELEASE,
      namespace: props.namespace,
      chart: CHARTS.litellm,
      values: liteLlmValues({ ...options, routes, secretEnv: [...secretEnv, ...traces.secretEnv], env: [...presidioEnv, ...traces.env], telemetry, guardrails: piiGuardrails, image, uid: LITELLM_UID }),
      // Includes the database migration job, run as a pre-install hook.
      timeoutSeconds: 900,
      dependsOn: auditMap ? [...(props.dependsOn ?? []), auditMap] : props.dependsOn,
    });

    if (props.teams.length === 0) return;
    const { spec, keyEnv } = bootstrapSpec(props.teams);
    this.bootstrap = scriptJob(this, 'bootstrap', {
      name: 'gateway-bootstrap',
      namespace: props.namespace,
      image: imageRef(image),
      command: ['python3', '/bootstrap/bootstrap.py'],
      files: { 'bootstrap.py': BOOTSTRAP_SCRIPT, 'spec.json': `${JSON.stringify(spec, null, 2)}\n` },
      mountPath: '/bootstrap',
      env: [
        { name: 'GATEWAY_URL', value: `http://${LITELLM_RELEASE}:${LITELLM_PORT}` },
        { name: 'BOOTSTRAP_SPEC', value: '/bootstrap/spec.json' },
        { name: 'LITELLM_MASTER_KEY', secret: props.masterKeySecret },
        ...keyEnv.map((k) => ({ name: k.env, secret: k.secret })),
      ],
      uid: LITELLM_UID,
      dependsOn: [this.release],
    }).job;
  }
}
