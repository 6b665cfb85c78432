import { NetworkPolicyV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';

/** Where allowed traffic may come from. */
export type TrafficSource =
  | { readonly namespace: string; readonly podLabels?: Readonly<Record<string, string>> }
  | { readonly sameNamespace: true }
  | { readonly cidr: string };

export interface AllowProps {
  /** Pods the traffic may reach (by label). @default - all pods of the namespace */
  readonly to?: Readonly<Record<string, string>>;
  readonly from: readonly TrafficSource[];
  /** TCP ports; every port when empty. */
  readonly ports: readonly number[];
}

export interface NamespaceIsolationProps {
  /** The namespace (a reference to it, so the policies come after it). */
  readonly namespace: string;
}

/**
 * Default-deny ingress for a namespace (POLICY 10), and the explicit allows its workloads need, added with
 * `allow()`, which returns the NetworkPolicy it creates.
 */
export class NamespaceIsolation extends Construct {
  readonly denyAll: NetworkPolicyV1;
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: NamespaceIsolationProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.denyAll = new NetworkPolicyV1(this, 'default-deny', {
      metadata: { name: 'default-deny-ingress', namespace: props.namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
  }

  /** Allows `from` to reach the pods `to` on `ports`. The name is the policy's, in the user's words. */
  allow(name: string, props: AllowProps): NetworkPolicyV1 {
    return new NetworkPolicyV1(this, `allow-${name}`, {
      metadata: { name: `allow-${name}`, namespace: this.namespace },
      spec: {
        podSelector: props.to ? { matchLabels: { ...props.to } } : {},
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: props.from.map((f) =>
              'cidr' in f
                ? { ipBlock: { cidr: f.cidr } }
                : 'sameNamespace' in f
                  ? { podSelector: {} }
                  : {
                      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': f.namespace } },
                      ...(f.podLabels ? { podSelector: { matchLabels: { ...f.podLabels } } } : {}),
                    },
            ),
            ...(props.ports.length > 0 ? { ports: props.ports.map((p) => ({ port: String(p), protocol: 'TCP' })) } : {}),
          },
        ],
      },
    });
  }
}
