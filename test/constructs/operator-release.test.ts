import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { OperatorRelease } from '../../constructs/operator-release';
import { expectResource, onlyReleaseValues, synthScope } from '../support/construct';

describe('OperatorRelease', () => {
  it('installs the pinned chart into its namespace with the release safety settings and a 10-minute default timeout', () => {
    const json = synthScope((s) => new OperatorRelease(s, 'cnpg', { name: 'cloudnative-pg', namespace: 'cnpg-system', chart: CHARTS.cloudnativePg, values: { crds: { create: true } } }));
    expectResource(json, 'helm_release', {
      name: 'cloudnative-pg',
      namespace: 'cnpg-system',
      chart: CHARTS.cloudnativePg.chart,
      repository: CHARTS.cloudnativePg.repository,
      version: CHARTS.cloudnativePg.version,
      atomic: true,
      cleanup_on_fail: true,
      wait: true,
      timeout: 600,
      max_history: 5,
      create_namespace: false,
    });
    expect(onlyReleaseValues(json)).toEqual({ crds: { create: true } });
  });

  it('takes a longer timeout when given one', () => {
    const json = synthScope((s) => new OperatorRelease(s, 'cm', { name: 'cert-manager', namespace: 'cert-manager', chart: CHARTS.certManager, values: {}, timeoutSeconds: 900 }));
    expectResource(json, 'helm_release', { name: 'cert-manager', timeout: 900 });
  });

  it('fails when the release name is longer than Helm allows (53 characters)', () => {
    const name = 'o'.repeat(54);
    expect(() => synthScope((s) => new OperatorRelease(s, 'x', { name, namespace: 'ns', chart: CHARTS.certManager, values: {} }))).toThrow(`Helm release name "${name}" is 54 characters; Helm allows 53`);
  });
});
