import { describe, expect, it } from 'vitest';
import { NamespaceIsolation } from '../../constructs/namespace-isolation';
import { expectResource, resourcesIn, synthScope } from '../support/construct';

describe('NamespaceIsolation', () => {
  it('denies all ingress to the namespace by default', () => {
    const json = synthScope((s) => new NamespaceIsolation(s, 'iso', { namespace: 'models' }));
    expectResource(json, 'kubernetes_network_policy_v1', { metadata: { name: 'default-deny-ingress', namespace: 'models' }, spec: { pod_selector: {}, policy_types: ['Ingress'] } });
    expect(resourcesIn(json, 'kubernetes_network_policy_v1')).toHaveLength(1);
    expect(resourcesIn(json, 'kubernetes_network_policy_v1')[0]!.spec.ingress).toBeUndefined();
  });

  it('allows named sources to the selected pods on the given TCP ports, one policy per allow', () => {
    const json = synthScope((s) => {
      const iso = new NamespaceIsolation(s, 'iso', { namespace: 'models' });
      iso.allow('gateway', { to: { app: 'vllm' }, from: [{ namespace: 'gateway', podLabels: { app: 'litellm' } }, { sameNamespace: true }, { cidr: '10.0.0.0/8' }], ports: [8000, 9090] });
    });
    expectResource(json, 'kubernetes_network_policy_v1', {
      metadata: { name: 'allow-gateway', namespace: 'models' },
      spec: {
        pod_selector: { match_labels: { app: 'vllm' } },
        policy_types: ['Ingress'],
        ingress: [
          {
            from: [
              { namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'gateway' } }, pod_selector: { match_labels: { app: 'litellm' } } },
              { pod_selector: {} },
              { ip_block: { cidr: '10.0.0.0/8' } },
            ],
            ports: [{ port: '8000', protocol: 'TCP' }, { port: '9090', protocol: 'TCP' }],
          },
        ],
      },
    });
    expect(resourcesIn(json, 'kubernetes_network_policy_v1')).toHaveLength(2);
  });

  it('allows every port and every pod of the namespace when given none', () => {
    const json = synthScope((s) => new NamespaceIsolation(s, 'iso', { namespace: 'rag' }).allow('monitoring', { from: [{ namespace: 'monitoring' }], ports: [] }));
    const allow = resourcesIn(json, 'kubernetes_network_policy_v1').find((p) => p.metadata.name === 'allow-monitoring')!;
    expect(allow.spec.pod_selector).toEqual({});
    expect(allow.spec.ingress).toEqual([{ from: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }]);
  });
});
