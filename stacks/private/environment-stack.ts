import type { ResolvedEnvironment } from '../../environments/resolve';
import type { Environment } from '../../environments/schema';
import { HelmProvider, KubernetesProvider } from '../../lib/bindings';
import { SecretRegistry, type SecretUse } from '../secrets';
import {
  AzurermBackend,
  Construct,
  GcsBackend,
  LocalBackend,
  S3Backend,
  TerraformStack,
} from '../../lib/cdktf';
import { KubernetesBackend } from './kubernetes-backend';

/**
 * Annotations that load-balancer controllers write on our Services (regular expressions). The provider reads back
 * every annotation but `*.kubernetes.io` ones (isInternalKey, kubernetes/structures.go at v2.38.0), so without these
 * each plan would remove them; a key the configuration sets itself is still compared (removeKeys keeps it).
 * MetalLB: `metallb.io/ip-allocated-from-pool` (`metallb.universe.tf/` before v0.14); kube-vip: `kube-vip.io/...`;
 * GKE's NEG controller: `cloud.google.com/neg-status`.
 */
export const CONTROLLER_ANNOTATIONS = ['^metallb\\.(io|universe\\.tf)/', '^kube-vip\\.io/', '^cloud\\.google\\.com/neg-status$'] as const;

/**
 * A stack of one environment: `<env>-<layer>`, with the environment's state backend (one state per stack) and
 * the kubernetes and helm providers pointed at its cluster.
 */
export class EnvironmentStack extends TerraformStack {
  readonly env: Environment;
  readonly resolved: ResolvedEnvironment;
  readonly layer: string;

  constructor(scope: Construct, resolved: ResolvedEnvironment, layer: string) {
    const env = resolved.env;
    super(scope, `${env.name}-${layer}`);
    this.env = env;
    this.resolved = resolved;
    this.layer = layer;
    this.configureBackend(`${env.name}-${layer}`);
    const cluster = { configPath: env.kubernetes.configPath, configContext: env.kubernetes.context };
    new KubernetesProvider(this, 'kubernetes', { ...cluster, ignoreAnnotations: [...CONTROLLER_ANNOTATIONS] });
    new HelmProvider(this, 'helm', { kubernetes: cluster });
  }

  /** Registers a Secret this stack names (for `inference-stack secrets` and the deploy's check). */
  usesSecret(use: SecretUse): void {
    SecretRegistry.of(this, this.env.name).add(use);
  }

  private configureBackend(stackName: string): void {
    const b = this.env.backend;
    switch (b.type) {
      case 'local':
        // Relative to the stack's folder (cdktf.out/stacks/<stack>): state stays at the project root, out of the
        // synth output that a clean or a re-synth replaces, and no absolute path enters the output.
        new LocalBackend(this, { path: `../../../terraform.${stackName}.tfstate` });
        break;
      case 's3':
        const s3 = new S3Backend(this, {
          bucket: b.bucket,
          key: `${b.key}/${stackName}.tfstate`,
          region: b.region,
          encrypt: true,
          ...(b.dynamodbTable ? { dynamodbTable: b.dynamodbTable } : {}),
        });
        if (!b.dynamodbTable) {
          // S3 native state locking (Terraform 1.10+); the binding predates the argument.
          s3.addOverride('use_lockfile', true);
        }
        break;
      case 'gcs':
        new GcsBackend(this, { bucket: b.bucket, prefix: `${b.prefix}/${stackName}` });
        break;
      case 'azurerm':
        new AzurermBackend(this, {
          resourceGroupName: b.resourceGroupName,
          storageAccountName: b.storageAccountName,
          containerName: b.containerName,
          key: `${b.key}/${stackName}.tfstate`,
        });
        break;
      case 'kubernetes':
        // Locks with a Lease. A backend element, so that it is the stack's only backend block.
        new KubernetesBackend(this, {
          secretSuffix: `${b.secretSuffix}-${this.layer}`,
          namespace: b.namespace,
          configPath: this.env.kubernetes.configPath,
          configContext: this.env.kubernetes.context,
        });
        break;
    }
  }
}
