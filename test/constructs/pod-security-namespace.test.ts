import { describe, expect, it } from 'vitest';
import { PodSecurityNamespace } from '../../constructs/pod-security-namespace';
import { Testing } from '../../lib/cdktf';
import { expectResource, resourcesIn } from '../support/construct';
import { resourcesOf, type TfJson } from '../support/synth';

describe('PodSecurityNamespace', () => {
  it('enforces, audits and warns at restricted by default', () => {
    const tf = JSON.parse(Testing.synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'apps', role: 'app' }))) as TfJson;
    const [ns] = resourcesOf(tf, 'kubernetes_namespace_v1');
    expect((ns!.metadata as { labels: object }).labels).toEqual({
      'app.kubernetes.io/managed-by': 'inference-stack',
      'inference-stack.io/namespace-role': 'app',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });

  it('turns off the API token of the default ServiceAccount in app namespaces only', () => {
    const app = Testing.synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'apps', role: 'app' }));
    expectResource(app, 'kubernetes_default_service_account_v1', { automount_service_account_token: false });
    const platform = Testing.synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'ops', role: 'platform' }));
    expect(resourcesIn(platform, 'kubernetes_default_service_account_v1')).toEqual([]);
  });

  it('records why a namespace is less than restricted, and refuses destroy when asked', () => {
    const json = Testing.synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'gpu', role: 'platform', level: 'privileged', exceptionReason: 'drivers', preventDestroy: true }));
    expectResource(json, 'kubernetes_namespace_v1', {
      metadata: { name: 'gpu', labels: { 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn': 'privileged' }, annotations: { 'inference-stack.io/pod-security-exception': 'drivers' } },
      lifecycle: { prevent_destroy: true },
    });
  });

  it('fails when a baseline namespace gives no reason either', () => {
    expect(() => Testing.synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'y', role: 'app', level: 'baseline' }))).toThrow(
      'stack/ns (PodSecurityNamespace): props.exceptionReason: missing, and level "baseline" relaxes the restricted Pod Security of namespace "y"; say why its pods need it (exceptionReason), or use level "restricted"',
    );
  });

  it('fails when a privileged namespace gives no reason', () => {
    expect(() => Testing.synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'x', role: 'platform', level: 'privileged' }))).toThrow(
      'stack/ns (PodSecurityNamespace): props.exceptionReason: missing, and level "privileged" relaxes the restricted Pod Security of namespace "x"; say why its pods need it (exceptionReason), or use level "restricted"',
    );
  });
});
