/**
 * The environment's field shapes: types, ranges, messages and defaults (from DEFAULTS), one zod object per part.
 * The cross-field pass is in cross-checks.ts, the JSON Schema for editors in json-schema.ts, and schema.ts puts them
 * together.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { GPU_KEYS } from '../catalog/gpus';
import { KV_CACHE_DTYPES, QUANTIZATIONS } from '../catalog/planner';
import { CACHE_MODES } from '../catalog/startup';
import { DEFAULTS, byStageText } from './defaults';

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** A value as the user wrote it, for error messages. */
export const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** A DNS-1123 label of at most `max` characters (Kubernetes names, Helm release names, stack names). */
const dnsLabel = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, { error: (iss) => `${show(iss.input)} is longer than ${max} characters; use a shorter name` })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
      error: (iss) =>
        `${show(iss.input)} is not a DNS label; use lowercase letters, digits and "-", starting and ending with a letter or digit`,
    });

/** A DNS-1123 subdomain: lowercase labels joined by dots, at most 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The name of an existing Secret (a DNS-1123 subdomain, as Kubernetes names Secrets). */
const secretName = z.string().regex(new RegExp(`^(?=.{1,253}$)${DNS_SUBDOMAIN.source.slice(1)}`), {
  error: (iss) => `${show(iss.input)} is not a Secret name; use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters`,
});

/**
 * A key of a Secret, as Kubernetes allows it (apimachinery's IsConfigMapKey: `[-._a-zA-Z0-9]+`, at most 253
 * characters, not "." and not starting with ".."): a key is also a file name where a Secret is mounted, so
 * "../tls/tls.crt" would read another file of the pod.
 */
const secretKey = (fallback: string) =>
  z
    .string()
    .regex(/^(?!\.$)(?!\.\.)[-._a-zA-Z0-9]{1,253}$/, {
      error: (iss) => `${show(iss.input)} is not a Secret key; use letters, digits, "-", "_" and "." (not "." and not starting with ".."), at most 253 characters, e.g. "${fallback}"`,
    })
    .default(fallback);

/** A CIDR range, IPv4 or IPv6: an address and a prefix length that fits it. */
const cidr = z.string().refine(
  (v) => {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
    const family = m ? isIP(m[1]!) : 0;
    return family !== 0 && Number(m![2]) <= (family === 4 ? 32 : 128);
  },
  { error: (iss) => `${show(iss.input)} is not a CIDR range; write an IPv4 or IPv6 address and a prefix length, e.g. "203.0.113.0/24" or "2001:db8::/32"` },
);

/** A Kubernetes node name (DNS-1123 subdomain). */
const nodeName = z
  .string()
  .max(253)
  .regex(DNS_SUBDOMAIN, {
    error: (iss) => `${show(iss.input)} is not a Kubernetes node name; copy it from \`kubectl get nodes\``,
  });

/** An image tag or component version: explicit, never `latest`. */
const versionTag = z
  .string()
  .min(1, 'must not be empty; pin an explicit version')
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/, {
    error: (iss) => `${show(iss.input)} is not a valid version tag; use e.g. "v1.2.3"`,
  })
  .refine((v) => v.toLowerCase() !== 'latest', {
    error: '"latest" is not a pin; use an explicit version so every deploy installs the same thing',
  });

const Kubernetes = z.strictObject({
  /** kubeconfig context to deploy to. */
  context: z.string().min(1, 'must not be empty; name the kubeconfig context to deploy to').describe('kubeconfig context to deploy to'),
  /** kubeconfig path. */
  configPath: z.string().min(1).default(DEFAULTS.kubernetes.configPath).describe('kubeconfig file; `~` is expanded by the providers'),
});

const LocalBackend = z.strictObject({ type: z.literal('local') });
const S3Backend = z.strictObject({
  type: z.literal('s3'),
  bucket: z.string().min(3),
  /** Key prefix; each stack stores `<key>/<stack>.tfstate`. */
  key: z.string().min(1),
  region: z.string().min(1),
  /** Deprecated (Terraform 1.11 deprecates DynamoDB locking): without it, S3 native locking (`use_lockfile`) is used. */
  dynamodbTable: z
    .string()
    .min(1)
    .optional()
    .describe('Deprecated: Terraform 1.11 deprecates DynamoDB state locking; leave it out for S3 native locking (use_lockfile)'),
});
const GcsBackend = z.strictObject({
  type: z.literal('gcs'),
  bucket: z.string().min(3),
  /** Prefix; each stack stores under `<prefix>/<stack>`. */
  prefix: z.string().min(1),
});
const AzurermBackend = z.strictObject({
  type: z.literal('azurerm'),
  resourceGroupName: z.string().min(1),
  storageAccountName: z.string().min(3),
  containerName: z.string().min(3),
  /** Key prefix; each stack stores `<key>/<stack>.tfstate`. */
  key: z.string().min(1),
});
const KubernetesBackend = z.strictObject({
  type: z.literal('kubernetes'),
  /** Secret suffix; each stack stores in `tfstate-default-<secretSuffix>-<layer>`. */
  secretSuffix: dnsLabel(40),
  namespace: dnsLabel(63).default(DEFAULTS.backend.kubernetesNamespace),
});

export const BACKEND_TYPES = ['local', 's3', 'gcs', 'azurerm', 'kubernetes'] as const;
const Backend = z.discriminatedUnion('type', [LocalBackend, S3Backend, GcsBackend, AzurermBackend, KubernetesBackend], {
  error: (iss) =>
    iss.code === 'invalid_union'
      ? `unknown backend type ${show((iss.input as { type?: unknown } | undefined)?.type)}; use one of: ${BACKEND_TYPES.join(', ')}`
      : undefined,
});

const Sharing = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('none') }),
    z.strictObject({
      mode: z.literal('time-slicing'),
      /** Pods that share one GPU. */
      replicas: z.int().min(2, 'time-slicing needs at least 2 replicas per GPU; use mode "none" for 1').max(64),
    }),
    z.strictObject({
      mode: z.literal('mig'),
      /** A MIG profile of the pool's GPU (every GPU cut the same way), or "balanced". */
      profile: z.string().min(1),
    }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `unknown sharing mode ${show((iss.input as { mode?: unknown } | undefined)?.mode)}; use one of: none, time-slicing, mig`
        : undefined,
  },
);

const GpuPool = z.strictObject({
  /** Pool name; GPU workloads select the pool by it. */
  name: dnsLabel(40).describe('Pool name; GPU workloads select the pool by it'),
  /** GPU catalogue key. */
  gpu: z.enum(GPU_KEYS as [string, ...string[]], {
    error: (iss) => `unknown GPU ${show(iss.input)}; use one of: ${GPU_KEYS.join(', ')}`,
  }).describe('GPU catalogue key'),
  /** GPUs in each node. */
  gpusPerNode: z.int().min(1).max(16).describe('GPUs in each node'),
  /** Existing nodes that this pool labels and taints. */
  nodes: z.array(nodeName).min(1, 'a pool needs at least one node; list the names from `kubectl get nodes`').describe('Existing nodes this pool labels and taints'),
  /** How pods share the pool's GPUs. */
  sharing: Sharing.default({ ...DEFAULTS.gpuPool.sharing }).describe('How pods share the GPUs: none, time-slicing (replicas) or mig (profile)'),
  taint: z
    .boolean()
    .default(DEFAULTS.gpuPool.taint)
    .describe('Taint the nodes nvidia.com/gpu=present:NoSchedule so only GPU pods land there; false only in dev, for a single-node cluster'),
  /** Driver for this pool's nodes, when it must differ from the environment's. */
  driver: z.strictObject({ version: versionTag }).optional().describe("A driver version for this pool's nodes only"),
  pricePerGpuHour: z
    .number()
    .positive({ error: (iss) => `${show(iss.input)} is not a price; use what one GPU costs for an hour, above 0, in cost.currency (e.g. 2.49)` })
    .optional()
    .describe("What one GPU of this pool costs for an hour, in cost.currency (MIG slices and time-slice shares pay their share); default: cost.gpuPrices of the pool's GPU"),
});

const GpuOperator = z.strictObject({
  /** Component versions; each defaults to the version pinned with the chart. */
  versions: z
    .strictObject({
      driver: versionTag.default(DEFAULTS.gpuOperator.versions.driver),
      toolkit: versionTag.default(DEFAULTS.gpuOperator.versions.toolkit),
      devicePlugin: versionTag.default(DEFAULTS.gpuOperator.versions.devicePlugin),
      dcgmExporter: versionTag.default(DEFAULTS.gpuOperator.versions.dcgmExporter),
      migManager: versionTag.default(DEFAULTS.gpuOperator.versions.migManager),
    })
    .default(DEFAULTS.gpuOperator.versions),
  /** Install the driver as a container; false when the nodes have a host driver. */
  driverEnabled: z.boolean().default(DEFAULTS.gpuOperator.driverEnabled),
  /** A ServiceMonitor for the DCGM exporter; needs the Prometheus Operator CRDs in the cluster. */
  dcgmServiceMonitor: z.boolean().default(DEFAULTS.gpuOperator.dcgmServiceMonitor),
  /** Nodes whose driver is upgraded at once (POLICY 17 wants 1). */
  maxParallelDriverUpgrades: z.int().min(1).max(8).default(DEFAULTS.gpuOperator.maxParallelDriverUpgrades),
});

/** A Hugging Face model id: `org/name`. */
const modelId = z.string().regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, {
  error: (iss) => `${show(iss.input)} is not a Hugging Face model id; write it as "org/name"`,
});

/** A reference to a key of an existing Kubernetes Secret: secrets never enter the environment file. */
const SecretRef = z.strictObject({
  name: secretName.describe('Name of an existing Secret in the workload namespace'),
  key: secretKey(DEFAULTS.secretKey).describe('Key in the Secret'),
});

const ImageRef = z.strictObject({
  repository: z.string().regex(/^[a-z0-9]([\w.\/:-]*[a-z0-9])?$/, { error: (iss) => `${show(iss.input)} is not an image repository` }),
  tag: versionTag,
  digest: z
    .string()
    .regex(/^sha256:[a-f0-9]{64}$/, { error: (iss) => `${show(iss.input)} is not an image digest; use "sha256:" and 64 hex digits` })
    .optional(),
});

const Cache = z.strictObject({
  sizeGiB: z.int().min(1).max(65536).optional().describe('Model cache volume size; default: sized from the checkpoint'),
  storageClass: z.string().min(1).optional().describe("Storage class; default: the cluster's default"),
  existingClaim: dnsLabel(63).optional().describe('Use this existing PersistentVolumeClaim (ReadWriteMany when replicas > 1)'),
});

/** A model server's cache: the common fields, and the mode (issue 17: a shared cache filled once per revision). */
const ModelCache = Cache.extend({
  mode: z
    .enum(CACHE_MODES, { error: (iss) => `unknown cache mode ${show(iss.input)}; use one of: ${CACHE_MODES.join(', ')}` })
    .optional()
    .describe('per-replica (default): each replica downloads into its own volume; shared: one ReadWriteMany claim (created with storageClass, or existingClaim) filled once per revision by a prefetch Job, mounted read-only'),
});

/** How the engine loads the weights (vLLM's --load-format). */
export const LOAD_FORMATS = ['auto', 'runai_streamer'] as const;
const Loading = z.strictObject({
  format: z.enum(LOAD_FORMATS, { error: (iss) => `unknown load format ${show(iss.input)}; use one of: ${LOAD_FORMATS.join(', ')}` }).default('auto'),
  concurrency: z.int().min(1).max(256).optional().describe("runai_streamer: threads reading the safetensors files (its extra config 'concurrency'); default: the streamer's"),
});

/** Declared bandwidths the start-up estimates use (catalog/startup.ts). */
const Startup = z.strictObject({
  downloadMBps: z.number().positive().default(DEFAULTS.startup.downloadMBps).describe('Download bandwidth from the model hub into the cache, MB/s (decimal)'),
  cacheReadMBps: z.number().positive().default(DEFAULTS.startup.cacheReadMBps).describe("Read rate of a model cache volume into one GPU worker, MB/s (decimal)"),
});

const Architecture = z.strictObject({
  layers: z.int().min(1),
  attentionHeads: z.int().min(1),
  kvHeads: z.int().min(1),
  headDim: z.int().min(1),
  maxPositionEmbeddings: z.int().min(1),
  parameters: z.number().positive().describe('Total parameters (all experts), e.g. 8.03e9'),
  checkpoint: z.enum(['bf16', 'fp16', 'fp32', 'fp8', 'awq-int4', 'gptq-int4', 'mxfp4']).default(DEFAULTS.checkpoint),
  checkpointBytes: z.number().positive().optional().describe('Size of the published weights, where only some layers are quantised'),
  vocabSize: z.int().min(1).optional().describe('vocab_size: quantised checkpoints keep embeddings and lm_head at 16 bit; sizes vLLM\'s sampler warm-up'),
  hiddenSize: z.int().min(1).optional().describe('hidden_size'),
  tiedEmbeddings: z.boolean().optional().describe('tie_word_embeddings: lm_head shares the input embeddings'),
  mixtureOfExperts: z
    .boolean()
    .optional()
    .describe('Whether the model is a mixture of experts (num_local_experts / num_experts in config.json). vLLM runs dense models on its V2 model runner, which leaves CUDA-graph memory out of the KV-cache budget; left out, the planner counts it'),
  weightFiles: z.enum(['safetensors', 'pytorch']).default('safetensors').describe('The weight files of the repo: safetensors, or only PyTorch .bin/.pt files'),
});

export const ENGINES = ['vllm', 'tgi', 'ollama'] as const;

const Model = z.strictObject({
  name: dnsLabel(40).describe('Name clients use at the gateway; also the name of its Kubernetes objects'),
  engine: z.enum(ENGINES, { error: (iss) => `unknown engine ${show(iss.input)}; use one of: ${ENGINES.join(', ')}` }).default(DEFAULTS.model.engine),
  model: modelId.describe('Hugging Face model id'),
  revision: z.string().min(1).optional().describe('Commit SHA (40 hex) of the model repo; required outside dev'),
  pool: dnsLabel(40).describe('The GPU pool the model runs on'),
  tensorParallel: z.int().min(1).max(64).default(DEFAULTS.model.tensorParallel),
  pipelineParallel: z.int().min(1).max(64).default(DEFAULTS.model.pipelineParallel),
  quantization: z
    .enum(QUANTIZATIONS, { error: (iss) => `unknown quantization ${show(iss.input)}; use one of: ${QUANTIZATIONS.join(', ')}` })
    .optional()
    .describe("none | fp8 | awq | gptq | mxfp4; default: the checkpoint's own"),
  kvCacheDtype: z.enum(KV_CACHE_DTYPES).default(DEFAULTS.model.kvCacheDtype),
  maxModelLen: z.int().min(256).optional().describe("Context length served; default: the model's limit"),
  gpuMemoryUtilization: z.number().min(0.3).max(0.98).default(DEFAULTS.model.gpuMemoryUtilization),
  replicas: z.int().min(0).max(256).optional().describe('Pods serving the model; default 1. Not with autoscaling, which sets them'),
  image: ImageRef.optional().describe("Server image; default: the engine's pinned image"),
  extraArgs: z.array(z.string()).default([]).describe('More server flags; must exist in the pinned server version'),
  cache: ModelCache.default({}),
  hfTokenSecret: SecretRef.optional().describe('Secret holding a Hugging Face token, for gated models'),
  architecture: Architecture.optional().describe('Architecture facts from config.json, for a model outside the catalogue'),
  trustRemoteCode: z.boolean().default(DEFAULTS.model.trustRemoteCode),
  startupTimeoutSeconds: z.int().min(60).max(86400).optional().describe('Startup probe budget; default: sized from download and load'),
  startupSlo: z.int().min(10).max(86400).optional().describe('Seconds: check warns when the estimated cold start (download + load + compile) exceeds it'),
  loading: Loading.optional().describe('How vLLM loads the weights: format runai_streamer streams safetensors with concurrency'),
  fallbacks: z.array(z.string()).default([]).describe('Models (or hosted models) the gateway tries when this one fails, in order'),
  ttftSloSeconds: z.number().positive().optional().describe("95th percentile time to first token above which an alert fires; default: observability.slo's"),
  autoscaling: z
    .strictObject({
      min: z.int().min(0).describe('Fewest replicas (0, scale to zero, only in dev)'),
      max: z.int().min(1).max(256).describe('Most replicas; their GPUs must fit the pool'),
      targetQueueDepth: z.int().min(1).default(DEFAULTS.model.targetQueueDepth).describe('Waiting requests per replica that trigger a scale-out'),
      targetKvCacheUsage: z.number().gt(0).max(1).optional().describe('KV-cache usage (0-1) per replica that triggers a scale-out'),
    })
    .optional()
    .describe('Scale replicas with demand (KEDA, on vLLM metrics); replaces replicas'),
});

const Embedding = z.strictObject({
  name: dnsLabel(40),
  model: modelId,
  revision: z.string().min(1).optional(),
  pool: dnsLabel(40).describe('A GPU pool, or "cpu"'),
  replicas: z.int().min(0).max(64).default(DEFAULTS.embedding.replicas),
  image: ImageRef.optional(),
  cache: Cache.default({}),
  hfTokenSecret: SecretRef.optional(),
  /** For a model outside the catalogue. */
  dimension: z.int().min(1).optional(),
  maxTokens: z.int().min(1).optional(),
});

/** A LiteLLM budget duration: 30s, 30m, 24h, 30d or 1mo. */
const budgetDuration = z.string().regex(/^[1-9]\d*(s|m|h|d|mo)$/, {
  error: (iss) => `${show(iss.input)} is not a duration; use a number and a unit: 30s, 30m, 24h, 30d or 1mo`,
});
const usd = z.number().positive({ error: (iss) => `${show(iss.input)} is not a budget; use an amount in USD above 0` });
const perMinute = z.int().positive({ error: (iss) => `${show(iss.input)} is not a rate limit; use a whole number above 0 (omit it for no limit)` });

const Limits = {
  maxBudget: usd.optional().describe('Spend limit in USD per budgetDuration'),
  budgetDuration: budgetDuration.optional().describe('How often the budget resets: 30d, 1mo, ...'),
  rpmLimit: perMinute.optional().describe('Requests per minute'),
  tpmLimit: perMinute.optional().describe('Tokens per minute'),
  models: z.array(z.string()).default([]).describe('Models it may call; all when empty'),
};

const ApiKey = z.strictObject({
  name: dnsLabel(63).describe('Key alias'),
  /** The key itself lives in a Secret: `sk-` followed by at least 16 characters. */
  secret: SecretRef.describe('Existing Secret holding the key value (sk-...)'),
  ...Limits,
});

const Team = z.strictObject({
  name: dnsLabel(63).describe('Team id'),
  ...Limits,
  keys: z.array(ApiKey).default([]),
});

export const HOSTED_PROVIDERS = ['openai', 'anthropic', 'azure', 'openai-compatible'] as const;
const HostedModel = z.strictObject({
  name: dnsLabel(40).describe('Model name at the gateway'),
  provider: z.enum(HOSTED_PROVIDERS),
  model: z.string().min(1).describe("The provider's model id"),
  apiBase: z.url().optional().describe('Endpoint; required for azure and openai-compatible'),
  apiKeySecret: SecretRef.describe('Existing Secret holding the API key'),
  inputPricePerMillion: z.number().min(0).optional().describe("The provider's list price per million input tokens, in cost.currency; written into the gateway only when given (LiteLLM knows the big providers' prices itself)"),
  outputPricePerMillion: z.number().min(0).optional().describe("The provider's list price per million output tokens, in cost.currency; as inputPricePerMillion"),
});

export const GUARDRAIL_ACTIONS = ['mask', 'block'] as const;
export const GUARDRAIL_SCOPES = ['hosted', 'all'] as const;
/** A PII guardrail: LiteLLM's Presidio guardrail, run before the call (environments/guardrail-checks.ts checks the entities). */
const Guardrail = z.strictObject({
  name: dnsLabel(40).describe('Guardrail name (LiteLLM guardrail_name); forks merge guardrails by it'),
  type: z.literal('pii', { error: (iss) => `unknown guardrail type ${show(iss.input)}; use pii` }).describe('pii: Presidio analyzer and anonymizer, in the cluster'),
  entities: z.array(z.string()).min(1, 'list at least one entity, e.g. [PERSON, EMAIL_ADDRESS, PHONE_NUMBER]').describe("Presidio entities to mask or block; those the pinned analyzer detects for English"),
  action: z.enum(GUARDRAIL_ACTIONS, { error: (iss) => `unknown action ${show(iss.input)}; use mask or block` }).default(DEFAULTS.gateway.guardrail.action).describe('mask: replace each entity with its type before the call; block: refuse the request'),
  appliesTo: z
    .enum(GUARDRAIL_SCOPES, { error: (iss) => `${show(iss.input)} is not a scope; use hosted or all` })
    .default(DEFAULTS.gateway.guardrail.appliesTo)
    .describe('hosted: the hosted models and every model whose fallbacks reach one; all: every request. The pinned LiteLLM runs a pre-call guardrail on every request either way (it ignores model-level guardrails before the call)'),
  mode: z
    .literal('pre_call', { error: (iss) => `${show(iss.input)} is not a mode for a PII guardrail; use pre_call (during_call runs beside the call, so the prompt has already left the cluster)` })
    .default(DEFAULTS.gateway.guardrail.mode)
    .describe('pre_call: the guardrail runs before the request is sent'),
});

/** A route that may reach a hosted API without a PII guardrail in prod, and why (shown in the policy report). */
const GuardrailException = z.strictObject({
  name: z.string().min(1).describe('The hosted model, or the model whose fallbacks reach one'),
  reason: z.string().min(20, 'give a reason a reviewer can judge (at least 20 characters)').describe('Why this route may send prompts out unguarded'),
});

const Gateway = z.strictObject({
  replicas: z.int().min(1).max(32).optional().describe(`Default: ${byStageText(DEFAULTS.byStage.gatewayReplicas)}`),
  masterKeySecret: SecretRef.default(DEFAULTS.gateway.masterKeySecret).describe('Existing Secret holding the LiteLLM master key (sk-...)'),
  hostedModels: z.array(HostedModel).default([]).describe('Hosted APIs, for fallbacks'),
  teams: z.array(Team).default([]),
  guardrails: z.array(Guardrail).default([]).describe('PII guardrails (Presidio) run before calls; by default on every call that leaves the cluster'),
  guardrailExceptions: z.array(GuardrailException).default([]).describe('Prod routes to hosted APIs allowed without a PII guardrail, each with its reason'),
  database: z
    .strictObject({
      instances: z.int().min(1).max(5).optional().describe(`Postgres instances; default: ${byStageText(DEFAULTS.byStage.databaseInstances)}`),
      storageGiB: z.int().min(1).default(DEFAULTS.gateway.databaseStorageGiB),
      storageClass: z.string().min(1).optional(),
    })
    .default({ storageGiB: DEFAULTS.gateway.databaseStorageGiB }),
  numRetries: z.int().min(0).max(10).default(DEFAULTS.gateway.numRetries),
  timeoutSeconds: z.int().min(1).max(3600).default(DEFAULTS.gateway.timeoutSeconds),
});

export const EDGE_SERVICE_TYPES = ['LoadBalancer', 'NodePort', 'ClusterIP'] as const;
const Edge = z.strictObject({
  hostnames: z.array(z.string().regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: (iss) => `${show(iss.input)} is not a host name; use lowercase letters, digits, "-" and "." as in "llm.example.com" (or "*.example.com" for a wildcard)` })).default([]),
  replicas: z.int().min(1).max(32).optional().describe(`Default: ${byStageText(DEFAULTS.byStage.edgeReplicas)}`),
  service: z
    .strictObject({
      type: z.enum(EDGE_SERVICE_TYPES).default(DEFAULTS.edge.serviceType),
      nodePort: z.int().min(30000).max(32767).optional(),
      annotations: z.record(z.string(), z.string()).default({}),
      loadBalancerSourceRanges: z.array(cidr).default([]).describe('Client networks allowed in, IPv4 or IPv6 CIDRs; default: all'),
    })
    .default({ type: DEFAULTS.edge.serviceType, annotations: {}, loadBalancerSourceRanges: [] }),
  tls: z
    .discriminatedUnion('mode', [
      z.strictObject({ mode: z.literal('none') }),
      z.strictObject({
        mode: z.literal('secret'),
        secretName: secretName.describe(
          'Existing kubernetes.io/tls Secret; a renewed certificate in it is loaded without a restart. A certificate from a Secret has no expiry signal (no exporter reads it): watch its expiry yourself',
        ),
      }),
      z.strictObject({
        mode: z.literal('cert-manager'),
        issuer: z
          .strictObject({ kind: z.enum(['ClusterIssuer', 'Issuer']).default(DEFAULTS.edge.issuerKind), name: dnsLabel(63) })
          .describe(
            'Existing cert-manager issuer. It must solve ACME with DNS-01 (or not use ACME: CA, Vault, ...): HTTP-01 cannot work, because the edge has no port-80 listener, its namespace admits clients only on the TLS port, and Caddy does not route /.well-known/acme-challenge/ to the solver pods. Only the kind and name are checked here, not the solver',
          ),
      }),
    ])
    .describe('none (dev only) | secret | cert-manager'),
  mtls: z
    .strictObject({
      enabled: z.boolean().default(DEFAULTS.edge.mtlsEnabled),
      clientCaSecret: z
        .strictObject({ name: secretName, key: secretKey(DEFAULTS.edge.clientCaKey) })
        .optional()
        .describe('Existing Secret with the PEM bundle of the CA(s) whose client certificates are admitted'),
    })
    .default({ enabled: DEFAULTS.edge.mtlsEnabled }),
});

export const DISTANCES = ['cosine', 'dot', 'euclid'] as const;
const Collection = z.strictObject({
  name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, {
    error: (iss) => `${show(iss.input)} is not a collection name; use lowercase letters, digits and "_", starting with a letter (it is also a SQL table name)`,
  }),
  embedding: z.string().min(1).describe('The embedding server (a name from embeddings) that fills this collection'),
  dimension: z.int().min(1).max(65536).optional().describe("Vector size; when given it must match the embedding model's"),
  distance: z.enum(DISTANCES).default(DEFAULTS.vectorStore.distance),
});

const VectorStore = z.strictObject({
  type: z.enum(['qdrant', 'pgvector'], { error: (iss) => `unknown vector store ${show(iss.input)}; use qdrant or pgvector` }),
  collections: z.array(Collection).default([]),
  hnsw: z
    .strictObject({ m: z.int().min(2).max(100).default(DEFAULTS.vectorStore.hnsw.m), efConstruct: z.int().min(4).max(1000).default(DEFAULTS.vectorStore.hnsw.efConstruct) })
    .default({ ...DEFAULTS.vectorStore.hnsw })
    .describe('HNSW index settings'),
  storage: z
    .strictObject({ sizeGiB: z.int().min(1).default(DEFAULTS.vectorStore.storageGiB), storageClass: z.string().min(1).optional() })
    .default({ sizeGiB: DEFAULTS.vectorStore.storageGiB }),
  replicas: z.int().min(1).max(9).optional().describe(`Qdrant replicas or Postgres instances; default: ${byStageText(DEFAULTS.byStage.vectorStoreReplicas)}`),
  apiKeySecret: SecretRef.default(DEFAULTS.vectorStore.apiKeySecret).describe('Qdrant: existing Secret with the API key'),
  backup: z
    .strictObject({
      schedule: z
        .string()
        .regex(/^(\S+\s+){4}\S+$/, { error: (iss) => `${show(iss.input)} is not a cron schedule; use five fields, e.g. "0 3 * * *"` })
        .default(DEFAULTS.vectorStore.backupSchedule),
      keep: z.int().min(1).max(365).default(DEFAULTS.vectorStore.backupKeep).describe('Qdrant snapshots kept; Postgres backups kept this many days'),
      objectStore: z
        .strictObject({
          destinationPath: z.string().regex(/^s3:\/\/[^/]+/, { error: (iss) => `${show(iss.input)} is not an S3 path; use s3://bucket/path` }),
          region: z.string().min(1).optional(),
          endpointURL: z.url().optional(),
          secretName: secretName.describe('Existing Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY'),
        })
        .optional()
        .describe('pgvector: where base backups and WAL go'),
    })
    .default({ schedule: DEFAULTS.vectorStore.backupSchedule, keep: DEFAULTS.vectorStore.backupKeep }),
  allowedNamespaces: z.array(dnsLabel(63)).default([...DEFAULTS.vectorStore.allowedNamespaces]).describe('Namespaces whose pods may query the store'),
});

const Slo = z.strictObject({
  ttftSeconds: z.number().positive().default(DEFAULTS.observability.slo.ttftSeconds).describe('95th percentile time to first token'),
  errorRatio: z.number().gt(0).lt(1).default(DEFAULTS.observability.slo.errorRatio).describe('Share of failed requests at the gateway'),
  queuePerReplica: z.int().min(1).default(DEFAULTS.observability.slo.queuePerReplica).describe('Waiting requests per replica'),
  kvCacheUsage: z.number().gt(0).max(1).default(DEFAULTS.observability.slo.kvCacheUsage).describe('KV-cache usage (0-1)'),
  gpuTemperatureCelsius: z.int().min(50).max(110).default(DEFAULTS.observability.slo.gpuTemperatureCelsius),
  budgetRemainingRatio: z.number().gt(0).lt(1).default(DEFAULTS.observability.slo.budgetRemainingRatio).describe('Share of a team budget left'),
  certificateDays: z.int().min(1).max(90).default(DEFAULTS.observability.slo.certificateDays).describe('Days before the edge certificate expires'),
});

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export const RECEIVER_TYPES = ['slack', 'pagerduty', 'email', 'webhook'] as const;

/** Alertmanager receivers: every credential is a key of an existing Secret in the monitoring namespace. */
const receiverName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  error: (iss) => `${show(iss.input)} is not a receiver name; use lowercase letters, digits and "-"`,
});
const Receiver = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      name: receiverName,
      type: z.literal('slack'),
      channel: z.string().regex(/^[#@]?[\w.-]+$/, { error: (iss) => `${show(iss.input)} is not a Slack channel; use e.g. "#llm-alerts"` }),
      webhookUrlSecret: SecretRef.describe('Existing Secret in the monitoring namespace with the Slack incoming-webhook URL'),
    }),
    z.strictObject({
      name: receiverName,
      type: z.literal('pagerduty'),
      routingKeySecret: SecretRef.describe('Existing Secret in the monitoring namespace with the PagerDuty Events API v2 integration (routing) key'),
    }),
    z.strictObject({
      name: receiverName,
      type: z.literal('email'),
      to: z.email({ error: (iss) => `${show(iss.input)} is not an e-mail address` }),
      from: z.email({ error: (iss) => `${show(iss.input)} is not an e-mail address` }),
      smarthost: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { error: (iss) => `${show(iss.input)} is not host:port; use e.g. "smtp.example.com:587"` }),
      authUsername: z.string().min(1).optional().describe('SMTP user; with authPasswordSecret'),
      authPasswordSecret: SecretRef.optional().describe('Existing Secret in the monitoring namespace with the SMTP password'),
    }),
    z.strictObject({
      name: receiverName,
      type: z.literal('webhook'),
      urlSecret: SecretRef.describe('Existing Secret in the monitoring namespace with the webhook URL (it may carry a token)'),
    }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `unknown receiver type ${show((iss.input as { type?: unknown } | undefined)?.type)}; use one of: ${RECEIVER_TYPES.join(', ')}`
        : undefined,
  },
);

const Alerting = z.strictObject({
  receivers: z.array(Receiver).default([]).describe('Where alerts go: slack, pagerduty, email or webhook, credentials from Secrets'),
  routes: z
    .strictObject({
      critical: z.array(z.string()).default([]).describe('Receivers of critical alerts'),
      warning: z.array(z.string()).default([]).describe('Receivers of warnings'),
      info: z.array(z.string()).default([]).describe('Receivers of info alerts'),
    })
    .default({ critical: [], warning: [], info: [] })
    .describe('Receivers (by name) of each severity; an alert goes to every receiver listed for its severity'),
});

/** An absolute URL of one of the given schemes, without credentials (those come from Secrets). */
const urlOf = (schemes: readonly string[], example: string) =>
  z.string().refine(
    (s) => {
      try {
        const u = new URL(s);
        return schemes.includes(u.protocol.slice(0, -1)) && u.hostname !== '' && u.username === '' && u.password === '';
      } catch {
        return false;
      }
    },
    { error: (iss) => `${show(iss.input)} is not ${schemes.length === 1 ? `an ${schemes[0]}` : `an ${schemes.join(' or ')}`} URL without credentials; use e.g. ${show(example)} (credentials come from a Secret)` },
  );

const gib = (fallback: number, what: string) => z.int().min(1).max(65536).default(fallback).describe(`${what} volume size, GiB`);
/** An in-cluster Langfuse: the chart's web, worker and datastores, credentials only from existing Secrets. */
const LangfuseInCluster = z.strictObject({
  credentialsSecret: secretName
    .default(DEFAULTS.tracing.inCluster.credentialsSecret)
    .describe('Existing Secret in the tracing namespace with Langfuse\'s salt, encryption key, NextAuth secret, the datastore passwords and the project keys (`inference-stack secrets` lists its keys)'),
  s3ConfigSecret: secretName
    .default(DEFAULTS.tracing.inCluster.s3ConfigSecret)
    .describe('Existing Secret in the tracing namespace with the SeaweedFS S3 identities JSON (key seaweedfs_s3_config)'),
  publicKeySecret: SecretRef.describe('Existing Secret in the gateway namespace with the project public key (the same value as in credentialsSecret)'),
  secretKeySecret: SecretRef.describe('Existing Secret in the gateway namespace with the project secret key (the same value as in credentialsSecret)'),
  storage: z
    .strictObject({
      postgresGiB: gib(DEFAULTS.tracing.inCluster.storage.postgresGiB, 'Postgres'),
      clickhouseGiB: gib(DEFAULTS.tracing.inCluster.storage.clickhouseGiB, 'ClickHouse (traces), per replica'),
      keeperGiB: gib(DEFAULTS.tracing.inCluster.storage.keeperGiB, 'ClickHouse Keeper, per replica'),
      redisGiB: gib(DEFAULTS.tracing.inCluster.storage.redisGiB, 'Valkey (queues)'),
      s3GiB: gib(DEFAULTS.tracing.inCluster.storage.s3GiB, 'SeaweedFS (S3 event and media blobs)'),
    })
    .default({ ...DEFAULTS.tracing.inCluster.storage }),
  storageClass: z.string().min(1).optional(),
  clickhouseReplicas: z.int().min(1).max(5).default(1).describe('ClickHouse server replicas; above 1 the keeper runs 3 for a quorum'),
});

export const TRACING_TYPES = ['langfuse', 'otel'] as const;
export const OTLP_PROTOCOLS = ['http/protobuf', 'grpc'] as const;
/** Where the gateway sends a trace of every request (LiteLLM's callbacks); keys only from Secrets in the gateway namespace. */
const Tracing = z.discriminatedUnion(
  'type',
  [
    z
      .strictObject({
        type: z.literal('langfuse'),
        external: z
          .strictObject({
            host: urlOf(['https'], 'https://langfuse.example.com').describe("The Langfuse server's base URL (https)"),
            publicKeySecret: SecretRef.describe('Existing Secret in the gateway namespace with the project public key (pk-lf-...)'),
            secretKeySecret: SecretRef.describe('Existing Secret in the gateway namespace with the project secret key (sk-lf-...)'),
          })
          .optional()
          .describe('A Langfuse you run elsewhere (or Langfuse Cloud); or inCluster'),
        inCluster: LangfuseInCluster.optional().describe('Run Langfuse in the cluster (its Helm chart, in the `tracing` namespace); or external'),
      })
      .superRefine((t, ctx) => {
        if ((t.external === undefined) === (t.inCluster === undefined))
          ctx.addIssue({ code: 'custom', path: t.external ? ['inCluster'] : [], message: `langfuse tracing needs exactly one of "external" (a Langfuse you run elsewhere) and "inCluster" (run it here); ${t.external ? 'remove one' : 'add one'}` });
      }),
    z.strictObject({
      type: z.literal('otel'),
      endpoint: urlOf(['http', 'https'], 'http://otel-collector.observability.svc.cluster.local:4318').describe("Your OpenTelemetry collector's OTLP endpoint"),
      protocol: z.enum(OTLP_PROTOCOLS).default('http/protobuf').describe('OTLP over HTTP (port 4318) or gRPC (port 4317)'),
      headersSecret: SecretRef.optional().describe('Existing Secret in the gateway namespace with OTLP headers ("key=value,key2=value2", e.g. an authorization header)'),
      modelServers: z.boolean().default(true).describe("vLLM servers send their own spans too (vLLM's --otlp-traces-endpoint)"),
    }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union' ? `unknown tracing type ${show((iss.input as { type?: unknown } | undefined)?.type)}; use one of: ${TRACING_TYPES.join(', ')}` : undefined,
  },
);

export const LOG_SINK_TYPES = ['http', 'splunk', 'elasticsearch', 'opensearch', 'loki', 'syslog'] as const;
const sinkUrl = urlOf(['http', 'https'], 'https://siem.example.com:8088').describe('Base URL of the sink (scheme, host, port; http or https)');
const BasicAuth = {
  user: z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, { error: (iss) => `${show(iss.input)} is not a user name; use letters, digits, ".", "_", "@" and "-"` }).optional().describe('HTTP basic-auth user; with passwordSecret'),
  passwordSecret: SecretRef.optional().describe('Existing Secret in the logging namespace with the password'),
};
const indexName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, { error: (iss) => `${show(iss.input)} is not an index name; use lowercase letters, digits, ".", "_" and "-"` });
/** Where the log shipper forwards to; every credential is a key of an existing Secret in the logging namespace. */
const LogSink = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('http'), url: sinkUrl, tokenSecret: SecretRef.optional().describe('Existing Secret in the logging namespace with a bearer token') }),
    z.strictObject({ type: z.literal('splunk'), url: sinkUrl, tokenSecret: SecretRef.describe('Existing Secret in the logging namespace with the HTTP Event Collector token') }),
    z.strictObject({ type: z.literal('elasticsearch'), url: sinkUrl, index: indexName.default('inference-stack'), ...BasicAuth }),
    z.strictObject({ type: z.literal('opensearch'), url: sinkUrl, index: indexName.default('inference-stack'), ...BasicAuth }),
    z.strictObject({ type: z.literal('loki'), url: sinkUrl, tenantId: z.string().regex(/^[A-Za-z0-9_.-]{1,150}$/, { error: (iss) => `${show(iss.input)} is not a Loki tenant id; use letters, digits, "_", "." and "-"` }).optional().describe('X-Scope-OrgID'), ...BasicAuth }),
    z.strictObject({
      type: z.literal('syslog'),
      host: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: (iss) => `${show(iss.input)} is not a host name` }),
      port: z.int().min(1).max(65535).default(514),
      mode: z.enum(['tcp', 'udp', 'tls']).default('tls'),
    }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union' ? `unknown log sink type ${show((iss.input as { type?: unknown } | undefined)?.type)}; use one of: ${LOG_SINK_TYPES.join(', ')}` : undefined,
  },
);
const Logs = z.strictObject({
  sink: LogSink.describe('Where the logs go: http, splunk, elasticsearch, opensearch, loki or syslog'),
});

const Observability = z.strictObject({
  retentionDays: z.int().min(1).max(3650).default(DEFAULTS.observability.retentionDays),
  storageGiB: z.int().min(1).default(DEFAULTS.observability.storageGiB),
  storageClass: z.string().min(1).optional(),
  grafanaAdminSecret: z
    .strictObject({ name: secretName, userKey: secretKey(DEFAULTS.observability.grafanaAdminSecret.userKey), passwordKey: secretKey(DEFAULTS.observability.grafanaAdminSecret.passwordKey) })
    .default({ ...DEFAULTS.observability.grafanaAdminSecret })
    .describe('Existing Secret in the monitoring namespace with the Grafana admin user and password'),
  slo: Slo.default({ ...DEFAULTS.observability.slo }).describe('Alert thresholds'),
  alerting: Alerting.default({ receivers: [], routes: { critical: [], warning: [], info: [] } }).describe('Alertmanager receivers and the routes of each severity to them'),
  tracing: Tracing.optional().describe('A trace of every gateway request (team, key, model, tokens, latency, cost) to Langfuse or an OpenTelemetry collector'),
  logs: Logs.optional().describe('A log shipper (Fluent Bit) forwarding the JSON logs of every component to your SIEM'),
  logPromptBodies: z.boolean().default(false).describe('Let traces and logs carry prompts and responses (LiteLLM turn_off_message_logging off)'),
});

/** The `cost:` block: prices, margin and the assumptions of the per-token estimate (catalog/cost.ts). */
const Cost = z.strictObject({
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { error: (iss) => `${show(iss.input)} is not a currency code; use three capital letters, e.g. "USD"` })
    .default(DEFAULTS.cost.currency)
    .describe('ISO 4217 code of every price in the file; the gateway gets per-token prices only in USD (LiteLLM counts spend in USD)'),
  gpuPrices: z
    .record(z.string(), z.number().positive({ error: (iss) => `${show(iss.input)} is not a price; use what one GPU costs for an hour, above 0` }))
    .default({})
    .describe('Price of one GPU for an hour by GPU kind (a key of the GPU catalogue, e.g. h100-80gb), for pools without their own pricePerGpuHour'),
  margin: z.number().min(0).max(10).default(DEFAULTS.cost.margin).describe('Markup on the GPU cost when charging teams (0.2 = 20%): in the report and in the gateway per-token prices'),
  utilisation: z.number().gt(0).max(1).default(DEFAULTS.cost.utilisation).describe('Share of the time a replica serves at its planned concurrency, for the per-token price estimate'),
  contextTokens: z.int().min(1).max(10_000_000).default(DEFAULTS.cost.contextTokens).describe('Tokens in the KV cache of one decoding sequence on average (prompt and output so far), for the estimate'),
  monthlyBudget: z.number().positive({ error: (iss) => `${show(iss.input)} is not a budget; use an amount above 0 in cost.currency` }).optional().describe('Spend a month (GPUs held and hosted models through the gateway) above which the projected-spend alert fires'),
});

export const EnvironmentShape = z.strictObject({
  /** Editor hint; ignored. */
  $schema: z.string().optional(),
  /** Environment name; stacks are named `<name>-<layer>`. */
  name: dnsLabel(30).describe('Environment name; stacks are named <name>-<layer>. Defaults to the file name in a file that extends another'),
  /** A preset in environments/ or a path relative to this file. Resolved before validation. */
  extends: z.string().optional().describe('A preset in environments/ (dev, staging, prod) or a path relative to this file'),
  /** How strict the checks are. */
  stage: z.enum(STAGES, { error: (iss) => `unknown stage ${show(iss.input)}; use one of: ${STAGES.join(', ')}` }).describe('How strict the checks are: dev, staging or prod'),
  kubernetes: Kubernetes.describe('The cluster to deploy to'),
  backend: Backend.describe('Terraform state backend; local is for dev only'),
  gpuOperator: GpuOperator.default(DEFAULTS.gpuOperator).describe('NVIDIA GPU Operator settings and component versions'),
  gpuPools: z.array(GpuPool).default([]).describe('Pools of existing GPU nodes'),
  models: z.array(Model).default([]).describe('Model servers'),
  embeddings: z.array(Embedding).default([]).describe('Embedding servers (TEI)'),
  gateway: Gateway.default({ masterKeySecret: DEFAULTS.gateway.masterKeySecret, hostedModels: [], teams: [], guardrails: [], guardrailExceptions: [], database: { storageGiB: DEFAULTS.gateway.databaseStorageGiB }, numRetries: DEFAULTS.gateway.numRetries, timeoutSeconds: DEFAULTS.gateway.timeoutSeconds }).describe('LiteLLM gateway: routing, fallbacks, teams, keys and budgets'),
  edge: Edge.optional().describe('Caddy edge proxy: TLS, mTLS, the public Service'),
  vectorStore: VectorStore.optional().describe('RAG tier: Qdrant or pgvector, its collections and backups'),
  startup: Startup.default({ ...DEFAULTS.startup }).describe('Declared bandwidths for the start-up estimates of the capacity report and probe budgets'),
  cost: Cost.optional().describe('Prices, margin and monthly budget: inference-stack cost, the gateway per-token prices, the burn alert'),
  observability: Observability.default({
    retentionDays: DEFAULTS.observability.retentionDays,
    storageGiB: DEFAULTS.observability.storageGiB,
    grafanaAdminSecret: { ...DEFAULTS.observability.grafanaAdminSecret },
    slo: { ...DEFAULTS.observability.slo },
    alerting: { receivers: [], routes: { critical: [], warning: [], info: [] } },
    logPromptBodies: false,
  }).describe('kube-prometheus-stack, scrape configs, dashboards and alert rules'),
});

/** An environment that has its shapes, before the cross-field pass. */
export type Shape = z.output<typeof EnvironmentShape>;
