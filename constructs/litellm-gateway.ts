import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHARTS } from '../charts/catalogue';
import { LITELLM_PORT, liteLlmValues, type GatewayRoute, type SecretEnv } from '../charts/litellm';
import { imageRef, type ImagePin } from '../catalog/images';
import type { SecretKeyRef } from './llm-server-props';
import { ConfigMapV1, JobV1, type Release } from './private/bindings';
import { Construct, type ITerraformDependable } from './private/cdktf';
import { pinnedRelease } from './private/pinned-release';

/** Limits of a team or key, in LiteLLM's terms. */
export interface GatewayLimits {
  readonly maxBudget?: number;
  readonly budgetDuration?: string;
  readonly rpmLimit?: number;
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

export interface LiteLlmGatewayProps {
  readonly namespace: string;
  readonly replicas: number;
  /** @default - the pinned non-root LiteLLM image */
  readonly image?: ImagePin;
  readonly masterKeySecret: SecretKeyRef;
  readonly database: { readonly host: string; readonly name: string; readonly secretName: string };
  readonly routes: readonly GatewayRoute[];
  readonly fallbacks: Readonly<Record<string, readonly string[]>>;
  readonly numRetries: number;
  readonly timeoutSeconds: number;
  /** Provider keys of hosted models, from Secrets. */
  readonly secretEnv: readonly SecretEnv[];
  readonly teams: readonly GatewayTeam[];
  /** What must exist before the release (its database). @default - none */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * LiteLLM's image without root (`nobody`, UID 65534), at the release whose metrics and config keys we test
 * against. Tag format as in LiteLLM's release notes (`main-v1.81.9-stable`).
 */
export const LITELLM_IMAGE: ImagePin = { repository: 'ghcr.io/berriai/litellm-non_root', tag: 'main-v1.81.9-stable' };
export const LITELLM_UID = 65534;
/** Release name; the chart names its Service after it. */
export const LITELLM_RELEASE = 'litellm';

/** In-cluster address of the gateway in a namespace, `host:port`. */
export function gatewayAddress(namespace: string): string {
  return `${LITELLM_RELEASE}.${namespace}.svc.cluster.local:${LITELLM_PORT}`;
}

const BOOTSTRAP_SCRIPT = readFileSync(join(__dirname, 'assets', 'litellm-bootstrap.py'), 'utf8');

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
    this.release = pinnedRelease(this, 'release', {
      name: LITELLM_RELEASE,
      namespace: props.namespace,
      chart: CHARTS.litellm,
      values: liteLlmValues({ ...props, image, uid: LITELLM_UID }),
      // Includes the database migration job, run as a pre-install hook.
      timeoutSeconds: 900,
      dependsOn: props.dependsOn,
    });

    if (props.teams.length === 0) return;
    const { spec, keyEnv } = bootstrapSpec(props.teams);
    const specText = `${JSON.stringify(spec, null, 2)}\n`;
    const hash = createHash('sha256').update(specText).update(BOOTSTRAP_SCRIPT).update(imageRef(image)).digest('hex').slice(0, 10);
    const config = new ConfigMapV1(this, 'bootstrap-config', {
      metadata: { name: `gateway-bootstrap-${hash}`, namespace: props.namespace },
      data: { 'bootstrap.py': BOOTSTRAP_SCRIPT, 'spec.json': specText },
    });
    const labels = { 'app.kubernetes.io/name': 'gateway-bootstrap', 'app.kubernetes.io/managed-by': 'inference-stack' };
    // A new name for every change of spec, script or image: Terraform replaces the Job, so it runs again.
    this.bootstrap = new JobV1(this, 'bootstrap', {
      dependsOn: [this.release, config],
      metadata: { name: `gateway-bootstrap-${hash}`, namespace: props.namespace, labels },
      waitForCompletion: true,
      timeouts: { create: '20m', update: '20m' },
      spec: {
        backoffLimit: 3,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: String(LITELLM_UID),
              runAsGroup: String(LITELLM_UID),
              seccompProfile: { type: 'RuntimeDefault' },
            },
            container: [
              {
                name: 'bootstrap',
                image: imageRef(image),
                command: ['python3', '/bootstrap/bootstrap.py'],
                env: [
                  { name: 'GATEWAY_URL', value: `http://${LITELLM_RELEASE}:${LITELLM_PORT}` },
                  { name: 'BOOTSTRAP_SPEC', value: '/bootstrap/spec.json' },
                  { name: 'LITELLM_MASTER_KEY', valueFrom: { secretKeyRef: { name: props.masterKeySecret.name, key: props.masterKeySecret.key } } },
                  ...keyEnv.map((k) => ({ name: k.env, valueFrom: { secretKeyRef: { name: k.secret.name, key: k.secret.key } } })),
                ],
                resources: { requests: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '64Mi' }, limits: { memory: '128Mi', 'ephemeral-storage': '256Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMount: [{ name: 'bootstrap', mountPath: '/bootstrap', readOnly: true }],
              },
            ],
            volume: [{ name: 'bootstrap', configMap: { name: config.metadata.name } }],
          },
        },
      },
    });
  }
}
