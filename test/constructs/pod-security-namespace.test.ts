import { describe, expect, it } from 'vitest';
import { PodSecurityNamespace } from '../../constructs/pod-security-namespace';
import { Testing } from '../../lib/cdktf';
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

  it('fails when a privileged namespace gives no reason', () => {
    expect(() => Testing.synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'x', role: 'platform', level: 'privileged' }))).toThrow(
      'namespace "x": Pod Security level "privileged" needs an exceptionReason',
    );
  });
});
