import { CaddyEdge, EDGE_INTERNAL_PORT } from '../constructs/caddy-edge';
import { NamespaceIsolation } from '../constructs/namespace-isolation';
import type { Construct } from '../lib/cdktf';
import type { ResolvedEnvironment } from '../environments/resolve';
import type { EdgeSpec } from '../environments/schema';
import { EnvironmentStack } from './private/environment-stack';
import { FILL } from './secrets';
import { GATEWAY_ADDRESS, NAMESPACES } from './topology';

/** The edge: Caddy with TLS and, where configured, mTLS, the only way in to the gateway: `<env>-edge`. */
export class EdgeStack extends EnvironmentStack {
  /** The namespace (created by the namespaces stack). */
  readonly namespace: string = NAMESPACES.edge;
  readonly edge: CaddyEdge;

  constructor(scope: Construct, resolved: ResolvedEnvironment) {
    super(scope, resolved, 'edge');
    const edge: EdgeSpec | undefined = resolved.env.edge;
    if (!edge) throw new Error(`${resolved.env.name}: the environment declares no edge; add no EdgeStack`);
    this.edge = new CaddyEdge(this, 'caddy', {
      namespace: this.namespace,
      replicas: resolved.stageValues.edgeReplicas,
      upstream: GATEWAY_ADDRESS,
      hostnames: edge.hostnames,
      service: edge.service,
      tls: edge.tls,
      clientCaSecret: edge.mtls.enabled ? edge.mtls.clientCaSecret : undefined,
    });
    const tls = { 'tls.crt': FILL.file('tls.crt'), 'tls.key': FILL.file('tls.key') };
    if (edge.tls.mode === 'secret') this.usesSecret({ namespace: this.namespace, name: edge.tls.secretName, type: 'tls', keys: tls, reader: 'Caddy edge (TLS certificate)' });
    const issued = edge.tls.mode === 'cert-manager' ? this.edge.tlsSecretName : undefined;
    if (issued) this.usesSecret({ namespace: this.namespace, name: issued, type: 'tls', keys: tls, reader: 'Caddy edge (TLS certificate)', createdBy: 'cert-manager' });
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
