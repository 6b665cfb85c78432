import { CaddyEdge, EDGE_INTERNAL_PORT } from '../constructs/caddy-edge';
import { NamespaceIsolation } from '../constructs/namespace-isolation';
import type { Construct } from '../lib/cdktf';
import type { EdgeSpec, Environment } from '../environments/schema';
import { EDGE_NAMESPACE } from './gateway-stack';
import { NAMESPACES } from './namespaces';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';

/** The edge: Caddy with TLS and, where configured, mTLS, the only way in to the gateway: `<env>-edge`. */
export class EdgeStack extends EnvironmentStack {
  /** The namespace (created by the namespaces stack). */
  readonly namespace: string = EDGE_NAMESPACE;
  readonly edge: CaddyEdge;

  constructor(scope: Construct, env: Environment, edge: EdgeSpec, gatewayAddress: string) {
    super(scope, env, 'edge');
    this.edge = new CaddyEdge(this, 'caddy', {
      namespace: this.namespace,
      replicas: edge.replicas ?? (env.stage === 'dev' ? 1 : 2),
      upstream: gatewayAddress,
      hostnames: edge.hostnames,
      service: edge.service,
      tls: edge.tls,
      clientCaSecret: edge.mtls.enabled ? edge.mtls.clientCaSecret : undefined,
    });
    const tls = { 'tls.crt': FILL.file('tls.crt'), 'tls.key': FILL.file('tls.key') };
    if (edge.tls.mode === 'secret') this.usesSecret({ namespace: this.namespace, name: edge.tls.secretName, type: 'tls', keys: tls, reader: 'Caddy edge (TLS certificate)' });
    if (edge.tls.mode === 'cert-manager') this.usesSecret({ namespace: this.namespace, name: this.edge.tlsSecretName!, type: 'tls', keys: tls, reader: 'Caddy edge (TLS certificate)', createdBy: 'cert-manager' });
    const ca = edge.mtls.enabled ? edge.mtls.clientCaSecret : undefined;
    if (ca) {
      this.usesSecret({ namespace: this.namespace, name: ca.name, keys: { [ca.key]: FILL.file(ca.key) }, reader: 'Caddy edge (client CA bundle)' });
    }
    const isolation = new NamespaceIsolation(this, 'isolation', { namespace: this.namespace });
    const sources = edge.service.loadBalancerSourceRanges.length > 0 ? edge.service.loadBalancerSourceRanges : ['0.0.0.0/0'];
    isolation.allow('monitoring', { to: this.edge.podLabels, from: [{ namespace: NAMESPACES.monitoring }], ports: [EDGE_INTERNAL_PORT] });
    isolation.allow('clients', { to: this.edge.podLabels, from: sources.map((cidr) => ({ cidr })), ports: [this.edge.port] });
  }
}
