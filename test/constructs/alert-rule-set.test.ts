import { describe, expect, it } from 'vitest';
import { AlertRuleSet } from '../../constructs/alert-rule-set';
import { loadCrds, validateCustomResource } from '../support/crds';
import { expectResource, resourcesIn, synthScope } from '../support/construct';

const groups = [
  {
    name: 'models',
    rules: [{ alert: 'ModelDown', expr: 'absent(up{namespace="models"} == 1)', for: '5m', labels: { severity: 'critical', model: 'm' }, annotations: { summary: 'down', runbook: 'look' } }],
  },
  { name: 'gpus', rules: [{ alert: 'GpuHot', expr: 'DCGM_FI_DEV_GPU_TEMP > 85', for: '10m', labels: { severity: 'warning' }, annotations: { summary: 'hot', runbook: 'cool' } }] },
];

describe('AlertRuleSet', () => {
  const json = synthScope((s) => new AlertRuleSet(s, 'rules', { name: 'inference-alerts', namespace: 'monitoring', groups }));

  it('writes the groups and their rules, in order, as one PrometheusRule in the namespace', () => {
    expectResource(json, 'kubernetes_manifest', {
      manifest: {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: 'inference-alerts', namespace: 'monitoring', labels: { 'app.kubernetes.io/managed-by': 'inference-stack' } },
        spec: { groups: groups.map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ alert: r.alert, expr: r.expr, for: r.for, labels: r.labels, annotations: r.annotations })) })) },
      },
    });
    expect(resourcesIn(json, 'kubernetes_manifest')).toHaveLength(1);
  });

  it('is valid against the PrometheusRule CRD of the pinned kube-prometheus-stack', () => {
    const [m] = resourcesIn(json, 'kubernetes_manifest');
    expect(validateCustomResource(loadCrds(), m!.manifest)).toEqual([]);
  });

  it('writes an empty rule set when given no groups (the CRD takes it)', () => {
    const empty = synthScope((s) => new AlertRuleSet(s, 'rules', { name: 'none', namespace: 'monitoring', groups: [] }));
    expectResource(empty, 'kubernetes_manifest', { manifest: { kind: 'PrometheusRule', spec: { groups: [] } } });
    expect(validateCustomResource(loadCrds(), resourcesIn(empty, 'kubernetes_manifest')[0]!.manifest)).toEqual([]);
  });
});
