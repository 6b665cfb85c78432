import { Construct, TerraformBackend, TerraformRemoteState, type DataTerraformRemoteStateConfig } from '../../lib/cdktf';

/** Terraform's `kubernetes` backend: state in a Secret `tfstate-<workspace>-<secretSuffix>`, locked with a Lease. */
export interface KubernetesBackendConfig {
  readonly secretSuffix: string;
  readonly namespace: string;
  readonly configPath: string;
  readonly configContext: string;
}

const attributes = (c: KubernetesBackendConfig) => ({
  secret_suffix: c.secretSuffix,
  namespace: c.namespace,
  config_path: c.configPath,
  config_context: c.configContext,
});

/**
 * cdktf 0.21 has no class for the kubernetes backend. Written as a backend element (not a stack override), it is
 * the stack's only backend: with an override, cdktf also added its default local backend (an absolute path), and
 * Terraform refused "Duplicate backend configuration".
 */
export class KubernetesBackend extends TerraformBackend {
  constructor(
    scope: Construct,
    private readonly config: KubernetesBackendConfig,
  ) {
    super(scope, 'backend', 'kubernetes');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return attributes(this.config);
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return attributes(this.config);
  }

  getRemoteStateDataSource(scope: Construct, name: string, _fromStack: string): TerraformRemoteState {
    return new DataTerraformRemoteStateKubernetes(scope, name, this.config);
  }
}

class DataTerraformRemoteStateKubernetes extends TerraformRemoteState {
  constructor(scope: Construct, id: string, config: KubernetesBackendConfig & DataTerraformRemoteStateConfig) {
    super(scope, id, 'kubernetes', config); // the base class writes the keys in snake case
  }
}
