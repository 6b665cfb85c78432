import { DefaultServiceAccountV1, NamespaceV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { ConstructPropsError } from './props-error';

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface PodSecurityNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /** Pod Security Standard enforced, audited and warned about. @default 'restricted' */
  readonly level?: PodSecurityLevel;
  /**
   * Why the namespace needs less than `restricted`. Required for any other level: exceptions are declared in code
   * with a reason (POLICY 1 and 4). @default - none (only `restricted` goes without)
   */
  readonly exceptionReason?: string;
  /**
   * `app` namespaces run the environment's workloads and get a default-deny NetworkPolicy (POLICY 10);
   * `platform` ones run cluster operators installed from their charts.
   */
  readonly role: 'app' | 'platform';
  /** Extra labels. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Refuse `terraform destroy`: deleting the namespace deletes its volumes (stateful namespaces in prod). @default false */
  readonly preventDestroy?: boolean;
}

/** The label that says whether a namespace runs apps or platform operators. */
export const NAMESPACE_ROLE_LABEL = 'inference-stack.io/namespace-role';

/** A namespace that carries Pod Security Admission labels (POLICY 4). */
export class PodSecurityNamespace extends Construct {
  /** The name as a reference to the namespace resource: using it makes a resource depend on the namespace. */
  readonly name: string;
  readonly level: PodSecurityLevel;
  readonly resource: NamespaceV1;

  constructor(scope: Construct, id: string, props: PodSecurityNamespaceProps) {
    super(scope, id);
    this.level = props.level ?? 'restricted';
    if (this.level !== 'restricted' && !props.exceptionReason) {
      throw new ConstructPropsError(this, 'PodSecurityNamespace', 'exceptionReason', `missing, and level "${this.level}" relaxes the restricted Pod Security of namespace "${props.name}"; say why its pods need it (exceptionReason), or use level "restricted"`);
    }
    this.resource = new NamespaceV1(this, 'namespace', {
      ...(props.preventDestroy ? { lifecycle: { preventDestroy: true } } : {}),
      metadata: {
        name: props.name,
        labels: {
          ...props.labels,
          'app.kubernetes.io/managed-by': 'inference-stack',
          [NAMESPACE_ROLE_LABEL]: props.role,
          'pod-security.kubernetes.io/enforce': this.level,
          'pod-security.kubernetes.io/audit': this.level,
          'pod-security.kubernetes.io/warn': this.level,
        },
        ...(props.exceptionReason
          ? { annotations: { 'inference-stack.io/pod-security-exception': props.exceptionReason } }
          : {}),
      },
    });
    this.name = this.resource.metadata.name;
    if (props.role === 'app') {
      // Pods that charts start under the default ServiceAccount get no API token (POLICY 11).
      new DefaultServiceAccountV1(this, 'default-service-account', {
        metadata: { namespace: this.name },
        automountServiceAccountToken: false,
      });
    }
  }
}
